"""Model → the objects that serve it, how to tell it is ready, and its model-table entry.

engine and runtime:

    ollama    deployment   nothing to create: a pull into the stack's Ollama server
    vllm      deployment   Deployment + Service (vLLM's OpenAI server, port 8000)
    vllm      kserve       InferenceService (KServe's Hugging Face runtime, vLLM inside:
                           desired/kserve.py)
    vllm      rayservice   RayService (Ray Serve LLM, ray.serve.llm:build_openai_app:
                           desired/ray.py)
    llamacpp  deployment   Deployment + Service (llama.cpp's server, port 8080)
    external  deployment   nothing: source.url is published as it is

Weights come from the models claim (``source.path`` relative to it); nothing is downloaded at
run time (``HF_HUB_OFFLINE=1``). GPU pods get ``nvidia.com/gpu`` (limit = request), the NVIDIA
RuntimeClass, a memory-backed ``/dev/shm`` and ``strategy: Recreate``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import yaml

from operators.desired.common import (
    MODEL_LABEL,
    Owner,
    child_name,
    container_security,
    labels,
    metadata,
    pod_security,
)
from operators.desired.spec import ModelSpec
from operators.settings import Settings
from services.kit.models import ModelRoute

GPU = "nvidia.com/gpu"
PORTS = {"vllm": 8000, "llamacpp": 8080}
BACKENDS = {"ollama": "ollama", "vllm": "vllm", "llamacpp": "llamacpp"}
# Requests (and the memory limit) when the spec names none, per engine and profile.
DEFAULT_RESOURCES = {
    ("vllm", True): ("2", "16Gi", "32Gi"),
    ("vllm", False): ("2", "8Gi", "16Gi"),
    ("llamacpp", True): ("1", "4Gi", "16Gi"),
    ("llamacpp", False): ("1", "2Gi", "8Gi"),
}
SHM_SIZE = "8Gi"
# Paths inside the pods: emptyDirs, the root filesystem being read-only.
TMP_DIR = "/tmp"  # noqa: S108
SHM_DIR = "/dev/shm"  # noqa: S108


@dataclass(frozen=True)
class ModelView:
    """A Model resource as the builders read it."""

    owner: Owner
    spec: ModelSpec

    @property
    def id(self) -> str:
        return self.spec.id or self.owner.name

    @property
    def served(self) -> str:
        """The runner's own name for the model (what a chat request's ``model`` says to it)."""
        if self.spec.engine == "ollama" and self.spec.source.ollama:
            return self.spec.source.ollama  # Ollama knows a model by its tag only
        return self.spec.served_name or self.id

    @property
    def backend(self) -> str:
        if self.spec.engine == "external":
            return self.spec.backend or "openai"
        return BACKENDS[self.spec.engine]

    @property
    def gpu(self) -> bool:
        return self.spec.resources.gpu


def workload_name(view: ModelView) -> str:
    return child_name("model", view.owner.name)


def pod_labels(view: ModelView, settings: Settings) -> dict[str, str]:
    return labels(settings, view.spec.engine, "model", {MODEL_LABEL: view.owner.name})


def selector(view: ModelView, settings: Settings) -> dict[str, str]:
    return {MODEL_LABEL: view.owner.name, "app.kubernetes.io/instance": settings.operator_release}


def resources(view: ModelView, gpu_in_requests: bool = True) -> dict[str, Any]:
    cpu, memory, limit = DEFAULT_RESOURCES[(view.spec.engine, view.gpu)]
    wanted = view.spec.resources
    requests: dict[str, Any] = {"cpu": wanted.cpu or cpu, "memory": wanted.memory or memory}
    limits: dict[str, Any] = {"memory": wanted.memory or limit}
    if view.gpu:
        limits[GPU] = wanted.gpus
        if gpu_in_requests:
            requests[GPU] = wanted.gpus
    return {"requests": requests, "limits": limits}


def _probe(path: str, period: int, failures: int) -> dict[str, Any]:
    return {
        "httpGet": {"path": path, "port": "http"},
        "periodSeconds": period,
        "timeoutSeconds": 5,
        "failureThreshold": failures,
    }


def _command(view: ModelView, port: int) -> tuple[list[str], list[str]]:
    weights = f"/models/{view.spec.source.path}"
    if view.spec.engine == "vllm":
        args = ["--model", weights, "--served-model-name", view.served]
        args += ["--host", "0.0.0.0", "--port", str(port)]  # noqa: S104 (a pod listens)
        if view.gpu and view.spec.resources.gpus > 1:
            args += ["--tensor-parallel-size", str(view.spec.resources.gpus)]
        return ["python3", "-m", "vllm.entrypoints.openai.api_server"], [*args, *view.spec.args]
    args = ["-m", weights, "--alias", view.served, "--host", "0.0.0.0", "--port", str(port)]  # noqa: S104
    if view.gpu:
        args += ["--n-gpu-layers", "999"]
    return [], [*args, *view.spec.args]


def _image(view: ModelView, settings: Settings) -> str:
    if view.spec.engine == "vllm":
        return settings.operator_vllm_image
    return settings.operator_llamacpp_gpu_image if view.gpu else settings.operator_llamacpp_image


def pod_volumes(view: ModelView, settings: Settings) -> tuple[list[dict], list[dict]]:
    volumes: list[dict[str, Any]] = [
        {
            "name": "models",
            "persistentVolumeClaim": {"claimName": settings.models_claim, "readOnly": True},
        },
        {"name": "tmp", "emptyDir": {}},
    ]
    mounts: list[dict[str, Any]] = [
        {"name": "models", "mountPath": "/models", "readOnly": True},
        {"name": "tmp", "mountPath": TMP_DIR},
    ]
    if view.gpu:
        volumes.append({"name": "shm", "emptyDir": {"medium": "Memory", "sizeLimit": SHM_SIZE}})
        mounts.append({"name": "shm", "mountPath": SHM_DIR})
    return volumes, mounts


# Caches go to the /tmp emptyDir: the root filesystem is read-only.
ENV = [
    {"name": "HOME", "value": TMP_DIR},
    {"name": "XDG_CACHE_HOME", "value": f"{TMP_DIR}/.cache"},
    {"name": "HF_HOME", "value": f"{TMP_DIR}/.cache/huggingface"},
    {"name": "HF_HUB_OFFLINE", "value": "1"},
]


def deployment(view: ModelView, settings: Settings) -> dict[str, Any]:
    """vLLM or llama.cpp as a Deployment (runtime ``deployment``)."""
    port = PORTS[view.spec.engine]
    command, args = _command(view, port)
    volumes, mounts = pod_volumes(view, settings)
    pod_lbls = pod_labels(view, settings)
    # The startup probe waits for the weights to load: loadTimeoutSeconds in 10 s steps.
    startup_failures = max(6, math.ceil(view.spec.load_timeout_s / 10))
    container: dict[str, Any] = {
        "name": view.spec.engine,
        "image": _image(view, settings),
        "imagePullPolicy": "IfNotPresent",
        "args": args,
        "env": ENV,
        "ports": [{"name": "http", "containerPort": port, "protocol": "TCP"}],
        "startupProbe": _probe("/health", 10, startup_failures),
        "readinessProbe": _probe("/health", 10, 3),
        "livenessProbe": _probe("/health", 20, 3),
        "resources": resources(view),
        "securityContext": container_security(),
        "volumeMounts": mounts,
    }
    if command:
        container = {"name": container.pop("name"), "command": command, **container}
    pod: dict[str, Any] = {
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "securityContext": pod_security(),
        # A merge patch leaves what it does not name: say "none" when the profile is cpu.
        "runtimeClassName": settings.operator_gpu_runtime_class if view.gpu else None,
        "terminationGracePeriodSeconds": 60,
        "containers": [container],
        "volumes": volumes,
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(workload_name(view), pod_lbls, view.owner),
        "spec": {
            "replicas": view.spec.replicas,
            "revisionHistoryLimit": 3,
            # Model servers load their weights per pod: never two at once (one GPU, one
            # ReadWriteOnce models claim, twice the memory during a rollout).
            "strategy": {"type": "Recreate"},
            "selector": {"matchLabels": selector(view, settings)},
            "template": {"metadata": {"labels": pod_lbls}, "spec": pod},
        },
    }


def service(view: ModelView, settings: Settings) -> dict[str, Any]:
    port = PORTS[view.spec.engine]
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(workload_name(view), pod_labels(view, settings), view.owner),
        "spec": {
            "type": "ClusterIP",
            "selector": selector(view, settings),
            "ports": [{"name": "http", "port": port, "targetPort": "http", "protocol": "TCP"}],
        },
    }


def deployment_endpoint(view: ModelView) -> str:
    port = PORTS[view.spec.engine]
    return f"http://{workload_name(view)}.{view.owner.namespace}.svc:{port}/v1"


def table_entry(view: ModelView, endpoint: str) -> dict[str, Any]:
    """The Model's line in the model table (services/kit/models.py's format)."""
    return {"id": view.id, "backend": view.backend, "base_url": endpoint, "model": view.served}


def model_table(base: list[ModelRoute], entries: list[dict[str, Any]]) -> str:
    """models.yaml: the stack's configured ids first (a Ready Model with the same id takes its
    place), then the Ready Models by id."""
    by_id = {e["id"]: e for e in entries}
    rows: list[dict[str, Any]] = []
    for route in base:
        rows.append(
            by_id.pop(route.id, None)
            or {
                "id": route.id,
                "backend": route.backend.value,
                "base_url": route.base_url,
                "model": route.model,
            }
        )
    rows += [by_id[i] for i in sorted(by_id)]
    return yaml.safe_dump({"models": rows}, sort_keys=False)


# --- readiness of what was created ------------------------------------------------------------


def deployment_readiness(live: dict[str, Any] | None) -> tuple[bool, str]:
    if not live:
        return False, "the Deployment does not exist yet"
    status = live.get("status") or {}
    wanted = (live.get("spec") or {}).get("replicas", 1)
    available = status.get("availableReplicas") or 0
    if available >= 1:
        return True, f"{available}/{wanted} replicas available"
    problems = [
        c.get("message", "")
        for c in status.get("conditions") or []
        if c.get("status") == "False" or c.get("type") == "ReplicaFailure"
    ]
    detail = f": {problems[0]}" if problems and problems[0] else ""
    return False, f"0/{wanted} replicas available (loading the weights?){detail}"
