"""The operator's settings: the kit's variables plus where the stack's pieces are.

Names follow the release (``<release>-models``, ``<release>-tool-registry-manifests``, ...), so
the chart needs to set little more than ``OPERATOR_RELEASE`` and ``OPERATOR_NAMESPACE``.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field

from services.kit.settings import StackSettings, load_settings


class Settings(StackSettings):
    # The namespace whose resources it watches (the release's: the chart sets it from the pod's
    # own namespace) and the release name its object names derive from.
    operator_namespace: str = Field("default", min_length=1)
    operator_release: str = Field("ai-stack", min_length=1)

    # The Kubernetes API. None: in the cluster (the pod's service-account token and CA); set a
    # URL (e.g. `kubectl proxy` at http://127.0.0.1:8001) to run the operator from a laptop.
    operator_kube_api: str | None = None
    # Set by the kubelet in every pod: where the API server answers in the cluster.
    kubernetes_service_host: str | None = None
    kubernetes_service_port: int = Field(443, ge=1, le=65535)

    # Where kopf answers its liveness probe (@kopf.on.probe).
    operator_health_port: int = Field(8080, ge=1, le=65535)
    # How often Ready resources are checked again (timers), seconds.
    operator_check_interval_s: float = Field(60.0, gt=0)

    # ConfigMaps it writes: the model table (gateway + orchestrator read it) and the tool
    # registry's plugins ConfigMap; "" = derived from the release.
    operator_models_configmap: str = ""
    operator_tools_configmap: str = ""
    # Where the registry mounts that ConfigMap (its PLUGINS_DIR entry): tools are matched by file.
    operator_tools_dir: str = "/etc/ai-stack/tools"

    # engine ollama: the Ollama server models are pulled into ("" = the release's llm-runner).
    operator_ollama_url: str = ""

    # Images of what it runs. The operator's own image also runs the ingestion Jobs.
    operator_image: str = "ai-stack/operator:0.1.0"
    operator_vllm_image: str = "vllm/vllm-openai:v0.11.0"
    operator_llamacpp_image: str = "ghcr.io/ggml-org/llama.cpp:server"
    operator_llamacpp_gpu_image: str = "ghcr.io/ggml-org/llama.cpp:server-cuda"
    operator_ray_image: str = "rayproject/ray-llm:2.49.0-py311-cu128"
    operator_ray_version: str = "2.49.0"

    # GPU pods: the RuntimeClass k3s creates for the NVIDIA runtime.
    operator_gpu_runtime_class: str = "nvidia"
    # The claim holding model weights (engine vllm / llamacpp: source.path is relative to it);
    # "" = the llm-runner's claim, <release>-llm-runner-models.
    operator_models_claim: str = ""
    # The Secret with AISTACK_SERVICE_TOKEN (ingestion Jobs call rag-api with it).
    operator_service_token_secret: str = ""

    @property
    def service_port(self) -> int:
        return self.operator_health_port

    @property
    def models_configmap(self) -> str:
        return self.operator_models_configmap or f"{self.operator_release}-models"

    @property
    def tools_configmap(self) -> str:
        return self.operator_tools_configmap or f"{self.operator_release}-tool-registry-manifests"

    @property
    def ollama_url(self) -> str:
        url = self.operator_ollama_url or f"http://{self.operator_release}-llm-runner:11434"
        return url.rstrip("/")

    @property
    def models_claim(self) -> str:
        return self.operator_models_claim or f"{self.operator_release}-llm-runner-models"

    @property
    def service_token_secret(self) -> str:
        return self.operator_service_token_secret or f"{self.operator_release}-service-token"


@lru_cache
def get_settings() -> Settings:
    """Raises SettingsError naming each bad variable."""
    return load_settings(Settings)
