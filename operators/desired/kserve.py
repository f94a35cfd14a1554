"""runtime kserve: a KServe InferenceService for a vLLM Model, and when it is ready.

KServe's Hugging Face serving runtime (vLLM inside) on the weights in the models claim
(``pvc://<claim>/<path>``), as a raw Deployment (no Knative); the OpenAI routes are under
``/openai/v1`` of the predictor's address. Built with the ``kserve`` SDK's models.
"""

from __future__ import annotations

from typing import Any

from operators.desired.common import container_security, pod_security, ready_condition
from operators.desired.models import (
    ENV,
    ModelView,
    pod_labels,
    resources,
    workload_name,
)
from operators.settings import Settings


def inference_service(view: ModelView, settings: Settings) -> dict[str, Any]:
    """KServe: the Hugging Face serving runtime (vLLM inside) on the weights in the models
    claim, as a raw Deployment (no Knative). Built with the kserve SDK's models."""
    from kserve import (
        ApiClient,
        V1beta1InferenceService,
        V1beta1InferenceServiceSpec,
        V1beta1ModelFormat,
        V1beta1ModelSpec,
        V1beta1PredictorSpec,
    )
    from kubernetes.client import V1ObjectMeta

    res = resources(view)
    predictor = V1beta1PredictorSpec(
        min_replicas=view.spec.replicas,
        max_replicas=view.spec.replicas,
        labels=pod_labels(view, settings),
        automount_service_account_token=False,
        enable_service_links=False,
        security_context=pod_security(),
        runtime_class_name=settings.operator_gpu_runtime_class if view.gpu else None,
        model=V1beta1ModelSpec(
            model_format=V1beta1ModelFormat(name="huggingface"),
            storage_uri=f"pvc://{settings.models_claim}/{view.spec.source.path}",
            args=[f"--model_name={view.served}", *view.spec.args],
            env=ENV,
            resources=res,
            security_context=container_security(),
        ),
    )
    isvc = V1beta1InferenceService(
        api_version="serving.kserve.io/v1beta1",
        kind="InferenceService",
        metadata=V1ObjectMeta(
            name=workload_name(view),
            labels=pod_labels(view, settings),
            annotations={"serving.kserve.io/deploymentMode": "RawDeployment"},
            owner_references=[view.owner.reference()],
        ),
        spec=V1beta1InferenceServiceSpec(predictor=predictor),
    )
    # The SDK's own ApiClient: it writes each model's JSON names (attribute_map). The kubernetes
    # client's (v35+, pydantic models) falls back to to_dict() for foreign models, which gives
    # Python names (api_version, min_replicas) that the API server would drop.
    return ApiClient().sanitize_for_serialization(isvc)


def inference_service_readiness(live: dict[str, Any] | None) -> tuple[bool, str, str | None]:
    """(ready, message, in-cluster URL of the predictor)."""
    if not live:
        return False, "the InferenceService does not exist yet", None
    status = live.get("status") or {}
    url = (status.get("address") or {}).get("url") or status.get("url")
    ready = ready_condition(live)
    if ready and ready.get("status") == "True" and url:
        return True, "InferenceService Ready", str(url).rstrip("/")
    message = (ready or {}).get("message") or (ready or {}).get("reason") or "not Ready yet"
    return False, f"InferenceService: {message}", None
