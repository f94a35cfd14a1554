"""runtime rayservice: a KubeRay RayService running Ray Serve LLM for a vLLM Model.

A head without GPUs and one worker group sized like the Model; the Serve application is
``ray.serve.llm:build_openai_app`` on the weights in the models claim. KubeRay serves it as
``<name>-serve-svc`` on port 8000.
"""

from __future__ import annotations

from typing import Any

import yaml

from operators.desired.common import container_security, metadata, pod_security, ready_condition
from operators.desired.models import (
    ENV,
    ModelView,
    pod_labels,
    pod_volumes,
    resources,
    workload_name,
)
from operators.settings import Settings

RAY_UID = 1000  # the ray user of the rayproject images


def engine_kwargs(args: list[str]) -> dict[str, Any]:
    """vLLM command-line flags as Ray Serve LLM's engine_kwargs (``--max-model-len 8192`` →
    ``{"max_model_len": 8192}``; a flag alone is ``True``)."""
    kwargs: dict[str, Any] = {}
    i = 0
    while i < len(args):
        flag = args[i]
        if not flag.startswith("--"):
            i += 1
            continue
        key, _, inline = flag[2:].partition("=")
        key = key.replace("-", "_")
        if inline:
            value: Any = inline
        elif i + 1 < len(args) and not args[i + 1].startswith("--"):
            value = args[i + 1]
            i += 1
        else:
            value = True
        if isinstance(value, str):
            value = yaml.safe_load(value) if value else value
        kwargs[key] = value
        i += 1
    return kwargs


def _ray_pod(view: ModelView, settings: Settings, role: str, gpu: bool) -> dict[str, Any]:
    volumes, mounts = pod_volumes(view, settings)
    if not gpu:
        volumes = [v for v in volumes if v["name"] != "shm"]
        mounts = [m for m in mounts if m["name"] != "shm"]
    if role == "head":
        res = {"requests": {"cpu": "1", "memory": "4Gi"}, "limits": {"memory": "8Gi"}}
        ports = [
            {"name": "gcs-server", "containerPort": 6379, "protocol": "TCP"},
            {"name": "dashboard", "containerPort": 8265, "protocol": "TCP"},
            {"name": "client", "containerPort": 10001, "protocol": "TCP"},
            {"name": "serve", "containerPort": 8000, "protocol": "TCP"},
        ]
    else:
        res = resources(view)
        ports = []
    container: dict[str, Any] = {
        "name": f"ray-{role}",
        "image": settings.operator_ray_image,
        "imagePullPolicy": "IfNotPresent",
        "env": ENV,
        "resources": res,
        "securityContext": container_security(RAY_UID),
        "volumeMounts": mounts,
    }
    if ports:
        container["ports"] = ports
    spec: dict[str, Any] = {
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "securityContext": pod_security(RAY_UID),
        "containers": [container],
        "volumes": volumes,
    }
    if gpu:
        spec["runtimeClassName"] = settings.operator_gpu_runtime_class
    return {"metadata": {"labels": pod_labels(view, settings)}, "spec": spec}


def serve_config(view: ModelView) -> str:
    """Ray Serve's config: one OpenAI-compatible LLM app on the weights in the models claim."""
    replicas = view.spec.replicas
    llm: dict[str, Any] = {
        "model_loading_config": {
            "model_id": view.served,
            "model_source": f"/models/{view.spec.source.path}",
        },
        "deployment_config": {
            "autoscaling_config": {"min_replicas": replicas, "max_replicas": replicas}
        },
        "engine_kwargs": {
            **(
                {"tensor_parallel_size": view.spec.resources.gpus}
                if view.gpu and view.spec.resources.gpus > 1
                else {}
            ),
            **engine_kwargs(view.spec.args),
        },
    }
    if not view.gpu:
        llm["placement_group_config"] = {"bundles": [{"CPU": 1}]}
    app = {
        "name": "llm",
        "route_prefix": "/",
        "import_path": "ray.serve.llm:build_openai_app",
        "args": {"llm_configs": [llm]},
    }
    return yaml.safe_dump({"applications": [app]}, sort_keys=False)


def ray_service(view: ModelView, settings: Settings) -> dict[str, Any]:
    """KubeRay: a RayService (head without GPUs, one worker group sized like the Model)."""
    group = "gpu" if view.gpu else "cpu"
    return {
        "apiVersion": "ray.io/v1",
        "kind": "RayService",
        "metadata": metadata(workload_name(view), pod_labels(view, settings), view.owner),
        "spec": {
            "serveConfigV2": serve_config(view),
            "rayClusterConfig": {
                "rayVersion": settings.operator_ray_version,
                "headGroupSpec": {
                    "rayStartParams": {"dashboard-host": "0.0.0.0", "num-gpus": "0"},  # noqa: S104
                    "template": _ray_pod(view, settings, "head", gpu=False),
                },
                "workerGroupSpecs": [
                    {
                        "groupName": group,
                        "replicas": view.spec.replicas,
                        "minReplicas": view.spec.replicas,
                        "maxReplicas": view.spec.replicas,
                        "rayStartParams": {},
                        "template": _ray_pod(view, settings, "worker", gpu=view.gpu),
                    }
                ],
            },
        },
    }


def ray_endpoint(view: ModelView) -> str:
    """KubeRay's serve Service for a RayService is ``<name>-serve-svc`` (port 8000)."""
    return f"http://{workload_name(view)}-serve-svc.{view.owner.namespace}.svc:8000/v1"


def ray_service_readiness(live: dict[str, Any] | None) -> tuple[bool, str]:
    if not live:
        return False, "the RayService does not exist yet"
    status = live.get("status") or {}
    ready = ready_condition(live)
    if (ready and ready.get("status") == "True") or status.get("serviceStatus") == "Running":
        return True, "RayService Running"
    message = (ready or {}).get("message") or status.get("serviceStatus") or "starting"
    return False, f"RayService: {message}"
