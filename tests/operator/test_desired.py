"""The pure desired-state functions: a resource in, the objects it needs out.

Core kinds are checked with kubernetes-validate (Kubernetes 1.35, strict); the
InferenceService and the RayService against the projects' published CRD schemas (vendored in
tests/operator/schemas/, read strictly).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from operators.desired import knowledge, kserve, models, ray, tools
from operators.desired.common import Owner, child_name
from operators.desired.knowledge import KnowledgeBaseView
from operators.desired.models import ModelView
from operators.desired.spec import parse_knowledge_base, parse_model
from operators.kube import without_nulls
from operators.settings import Settings
from services.kit.models import ModelRoute, ModelsFile
from services.kit.settings import LLMBackend
from tests.operator.conftest import NAMESPACE, example
from tests.operator.openapi import to_json_schema

pytestmark = pytest.mark.unit

SCHEMAS = Path(__file__).resolve().parent / "schemas"
SETTINGS = Settings(operator_namespace=NAMESPACE, operator_release="ai-stack")


def model(spec: dict[str, Any], name: str = "m") -> ModelView:
    return ModelView(Owner("Model", name, NAMESPACE, f"uid-{name}"), parse_model(spec))


def example_model(file: str) -> ModelView:
    doc = example(file)
    return model(doc["spec"], doc["metadata"]["name"])


def kubernetes_validate(objects: list[dict[str, Any]], tmp_path: Path) -> list[str]:
    path = tmp_path / "objects.yaml"
    path.write_text(yaml.safe_dump_all([without_nulls(o) for o in objects]), encoding="utf-8")
    validator = Path(sys.executable).with_name("kubernetes-validate")
    result = subprocess.run(
        [str(validator), "-k", "1.35.0", "--strict", "--quiet", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    return [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]


def published_schema(name: str) -> dict[str, Any]:
    return to_json_schema(json.loads((SCHEMAS / name).read_text(encoding="utf-8")))


def pod(deployment: dict[str, Any]) -> dict[str, Any]:
    return deployment["spec"]["template"]["spec"]


def test_vllm_on_the_gpu_is_a_recreated_deployment_with_gpu_limits(tmp_path: Path) -> None:
    view = example_model("model-vllm-gpu.yaml")
    deployment = models.deployment(view, SETTINGS)
    spec = pod(deployment)
    (container,) = spec["containers"]
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    assert deployment["spec"]["replicas"] == 1
    assert spec["runtimeClassName"] == "nvidia"
    assert container["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert container["resources"]["requests"]["nvidia.com/gpu"] == 1
    assert container["resources"]["limits"]["memory"] == "24Gi"
    assert container["command"] == ["python3", "-m", "vllm.entrypoints.openai.api_server"]
    args = container["args"]
    assert args[args.index("--model") + 1] == "/models/Mistral-7B-Instruct"
    assert args[args.index("--served-model-name") + 1] == "mistral-7b"
    assert args[-4:] == ["--max-model-len", "8192", "--gpu-memory-utilization", "0.8"]
    # The startup probe waits loadTimeoutSeconds (900 s) in 10 s steps before liveness counts.
    startup = container["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 900
    assert startup["httpGet"] == {"path": "/health", "port": "http"}
    assert {"name": "shm", "mountPath": "/dev/shm"} in container["volumeMounts"]
    shm = next(v for v in spec["volumes"] if v["name"] == "shm")
    assert shm["emptyDir"]["medium"] == "Memory"
    models_volume = next(v for v in spec["volumes"] if v["name"] == "models")
    assert models_volume["persistentVolumeClaim"] == {
        "claimName": "ai-stack-llm-runner-models",
        "readOnly": True,
    }
    assert deployment["metadata"]["ownerReferences"][0]["kind"] == "Model"
    service = models.service(view, SETTINGS)
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    assert kubernetes_validate([deployment, service], tmp_path) == []


def test_pods_meet_pod_security_restricted() -> None:
    for view in (
        example_model("model-vllm-gpu.yaml"),
        model({"engine": "llamacpp", "source": {"path": "q.gguf"}}),
    ):
        spec = pod(models.deployment(view, SETTINGS))
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert spec["automountServiceAccountToken"] is False
        for container in spec["containers"]:
            sc = container["securityContext"]
            assert sc["allowPrivilegeEscalation"] is False
            assert sc["capabilities"] == {"drop": ["ALL"]}
            assert sc["readOnlyRootFilesystem"] is True
            assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]


def test_llamacpp_on_the_cpu_has_no_gpu_and_clears_the_runtime_class(tmp_path: Path) -> None:
    view = model({"engine": "llamacpp", "source": {"path": "gemma.gguf"}, "replicas": 2})
    deployment = models.deployment(view, SETTINGS)
    spec = pod(deployment)
    (container,) = spec["containers"]
    # None: the merge patch removes a RuntimeClass a former GPU profile set.
    assert spec["runtimeClassName"] is None
    assert "nvidia.com/gpu" not in json.dumps(container["resources"])
    assert container["image"] == SETTINGS.operator_llamacpp_image
    assert container["args"][:4] == ["-m", "/models/gemma.gguf", "--alias", "m"]
    assert container["ports"][0]["containerPort"] == 8080
    assert deployment["spec"]["replicas"] == 2
    assert not any(v["name"] == "shm" for v in spec["volumes"])
    assert models.deployment_endpoint(view) == "http://model-m.ai-stack.svc:8080/v1"
    assert kubernetes_validate([deployment, models.service(view, SETTINGS)], tmp_path) == []


def test_inference_service_validates_against_kserves_published_schema() -> None:
    view = example_model("model-kserve.yaml")
    isvc = kserve.inference_service(view, SETTINGS)
    jsonschema.validate(isvc, published_schema("inferenceservice-v1beta1.json"))
    assert (isvc["apiVersion"], isvc["kind"]) == ("serving.kserve.io/v1beta1", "InferenceService")
    assert isvc["metadata"]["annotations"]["serving.kserve.io/deploymentMode"] == "RawDeployment"
    predictor = isvc["spec"]["predictor"]
    assert predictor["runtimeClassName"] == "nvidia"
    assert predictor["minReplicas"] == predictor["maxReplicas"] == 1
    assert predictor["labels"]["aistack.dev/model"] == "mistral-7b-kserve"
    assert predictor["model"]["modelFormat"] == {"name": "huggingface"}
    assert (
        predictor["model"]["storageUri"] == "pvc://ai-stack-llm-runner-models/Mistral-7B-Instruct"
    )
    assert "--model_name=mistral-7b-kserve" in predictor["model"]["args"]
    assert predictor["model"]["resources"]["limits"]["nvidia.com/gpu"] == 1
    # A misplaced field fails the published schema (the check is not vacuous).
    broken = json.loads(json.dumps(isvc))
    broken["spec"]["predictor"]["model"]["gpus"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, published_schema("inferenceservice-v1beta1.json"))


def test_ray_service_validates_against_kuberays_published_schema() -> None:
    view = example_model("model-rayservice.yaml")
    service = ray.ray_service(view, SETTINGS)
    jsonschema.validate(service, published_schema("rayservice-v1.json"))
    cluster = service["spec"]["rayClusterConfig"]
    (workers,) = cluster["workerGroupSpecs"]
    (worker,) = workers["template"]["spec"]["containers"]
    assert worker["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert workers["template"]["spec"]["runtimeClassName"] == "nvidia"
    head = cluster["headGroupSpec"]["template"]["spec"]
    assert "runtimeClassName" not in head
    serve = yaml.safe_load(service["spec"]["serveConfigV2"])
    (app,) = serve["applications"]
    assert app["import_path"] == "ray.serve.llm:build_openai_app"
    (llm,) = app["args"]["llm_configs"]
    assert llm["model_loading_config"] == {
        "model_id": "mistral-7b-ray",
        "model_source": "/models/Mistral-7B-Instruct",
    }
    assert llm["engine_kwargs"] == {"max_model_len": 8192}
    assert ray.ray_endpoint(view) == "http://model-mistral-7b-ray-serve-svc.ai-stack.svc:8000/v1"
    broken = json.loads(json.dumps(service))
    broken["spec"]["rayClusterConfig"]["workerGroupSpecs"][0]["replica"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, published_schema("rayservice-v1.json"))


def test_engine_kwargs_from_vllm_flags() -> None:
    assert ray.engine_kwargs(["--max-model-len", "8192", "--enforce-eager", "--dtype=half"]) == {
        "max_model_len": 8192,
        "enforce_eager": True,
        "dtype": "half",
    }


def test_model_table_keeps_the_stacks_ids_and_adds_the_ready_models() -> None:
    base = [
        ModelRoute("ai-stack", LLMBackend.OLLAMA, "http://ai-stack-llm-runner:11434/v1", "llama3")
    ]
    ollama = model({"engine": "ollama", "source": {"ollama": "qwen2.5:0.5b"}, "id": "qwen-small"})
    vllm = example_model("model-vllm-gpu.yaml")
    entries = [
        models.table_entry(vllm, models.deployment_endpoint(vllm)),
        models.table_entry(ollama, "http://ollama:11434/v1"),
    ]
    table = yaml.safe_load(models.model_table(base, entries))
    ModelsFile.model_validate(table)  # the kit reads it
    assert [m["id"] for m in table["models"]] == ["ai-stack", "mistral-7b", "qwen-small"]
    assert table["models"][1] == {
        "id": "mistral-7b",
        "backend": "vllm",
        "base_url": "http://model-mistral-7b.ai-stack.svc:8000/v1",
        "model": "mistral-7b",
    }
    assert table["models"][2]["model"] == "qwen2.5:0.5b"  # Ollama knows it by its tag
    # A Model published as a configured id takes that id's place.
    takeover = models.table_entry(
        model(
            {
                "engine": "external",
                "id": "ai-stack",
                "servedName": "big",
                "source": {"url": "https://llm.example/v1"},
            }
        ),
        "https://llm.example/v1",
    )
    table = yaml.safe_load(models.model_table(base, [takeover]))
    assert table["models"] == [
        {
            "id": "ai-stack",
            "backend": "openai",
            "base_url": "https://llm.example/v1",
            "model": "big",
        }
    ]


def test_readiness_of_what_was_created() -> None:
    assert models.deployment_readiness(None)[0] is False
    waiting = {
        "spec": {"replicas": 1},
        "status": {
            "conditions": [
                {"type": "Available", "status": "False", "message": "MinimumReplicasUnavailable"}
            ]
        },
    }
    ready, message = models.deployment_readiness(waiting)
    assert not ready and "0/1" in message and "MinimumReplicasUnavailable" in message
    assert models.deployment_readiness(
        {"spec": {"replicas": 1}, "status": {"availableReplicas": 1}}
    )[0]
    isvc = {
        "status": {
            "address": {"url": "http://m-predictor.ai-stack.svc.cluster.local"},
            "conditions": [{"type": "Ready", "status": "True"}],
        }
    }
    assert kserve.inference_service_readiness(isvc) == (
        True,
        "InferenceService Ready",
        "http://m-predictor.ai-stack.svc.cluster.local",
    )
    failing = {
        "status": {"conditions": [{"type": "Ready", "status": "False", "message": "no GPU"}]}
    }
    assert kserve.inference_service_readiness(failing)[:2] == (False, "InferenceService: no GPU")
    assert ray.ray_service_readiness({"status": {"serviceStatus": "Running"}})[0]
    assert ray.ray_service_readiness(
        {"status": {"conditions": [{"type": "Ready", "status": "True"}]}}
    )[0]
    assert not ray.ray_service_readiness({"status": {}})[0]


def test_child_names_are_dns_labels() -> None:
    long = "x" * 80
    name = child_name("model", long)
    assert (
        len(name) <= 63 and name.startswith("model-x") and name != child_name("model", long + "y")
    )


def kb(spec: dict[str, Any], name: str = "handbook") -> KnowledgeBaseView:
    return KnowledgeBaseView(
        Owner("KnowledgeBase", name, NAMESPACE, "uid-kb"), parse_knowledge_base(spec), spec
    )


def test_ingestion_job_mounts_its_sources_and_calls_rag_api(tmp_path: Path) -> None:
    spec = {
        "domain": "materials",
        "sources": [
            {"configMap": {"name": "notes", "keys": ["a.md"]}},
            {"pvc": {"claimName": "docs", "path": "manuals/steel"}},
            {"url": "https://example.com/datasheet.pdf"},
        ],
        "tags": ["steel"],
    }
    view = kb(spec)
    job = knowledge.job(view, SETTINGS)
    assert job["metadata"]["name"] == knowledge.job_name(view) == f"kb-handbook-{view.revision}"
    pod_spec = job["spec"]["template"]["spec"]
    (container,) = pod_spec["containers"]
    assert container["command"] == ["python", "-m", "operators.ingest"]
    assert container["image"] == SETTINGS.operator_image
    env = {e["name"]: e for e in container["env"]}
    assert env["RAG_URL"]["value"] == "http://127.0.0.1:8082"
    assert (
        env["AISTACK_SERVICE_TOKEN"]["valueFrom"]["secretKeyRef"]["name"]
        == "ai-stack-service-token"
    )
    plan = json.loads(env["INGEST_PLAN"]["value"])
    assert plan == {
        "name": "handbook",
        "domain": "materials",
        "tags": ["knowledgebase:handbook", "steel"],
        "allowPrivateUrls": False,
        "sources": [
            {"dir": "/sources/0"},
            {"dir": "/sources/1/manuals/steel"},
            {"url": "https://example.com/datasheet.pdf"},
        ],
    }
    volumes = {v["name"]: v for v in pod_spec["volumes"]}
    assert volumes["source-0"]["configMap"] == {
        "name": "notes",
        "items": [{"key": "a.md", "path": "a.md"}],
    }
    assert volumes["source-1"]["persistentVolumeClaim"] == {"claimName": "docs", "readOnly": True}
    labels = job["spec"]["template"]["metadata"]["labels"]
    assert labels["app.kubernetes.io/name"] == "operator-ingest"  # the chart admits it to rag-api
    assert (
        pod_spec["restartPolicy"] == "Never" and pod_spec["automountServiceAccountToken"] is False
    )
    # A changed spec is a new Job.
    assert knowledge.job_name(kb({**spec, "domain": "mech"})) != knowledge.job_name(view)
    cron = knowledge.cron_job(kb({**spec, "schedule": "0 3 * * *"}), SETTINGS)
    assert cron["spec"]["schedule"] == "0 3 * * *" and cron["spec"]["concurrencyPolicy"] == "Forbid"
    assert kubernetes_validate([job, cron], tmp_path) == []


def test_job_states() -> None:
    assert knowledge.job_state(None).phase == "Running"
    done = {
        "metadata": {"name": "j"},
        "status": {
            "succeeded": 1,
            "completionTime": "2026-01-01T00:00:00Z",
            "conditions": [{"type": "Complete", "status": "True"}],
        },
    }
    assert knowledge.job_state(done) == knowledge.JobState(
        "Succeeded", "ingested", "2026-01-01T00:00:00Z"
    )
    failed = {
        "metadata": {"name": "j"},
        "status": {
            "conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}]
        },
    }
    assert knowledge.job_state(failed).phase == "Failed"
    assert "BackoffLimitExceeded" in knowledge.job_state(failed).message
    older = {"status": {"startTime": "2026-01-01T00:00:00Z"}}
    newer = {"status": {"startTime": "2026-01-02T00:00:00Z"}}
    assert knowledge.newest([older, newer]) is newer


def test_tool_plugin_patches_only_its_own_key() -> None:
    manifest = example("toolplugin.yaml")["spec"]["manifest"]
    patch = tools.add("line-count", manifest)
    assert list(patch["data"]) == ["line-count.tool.yaml"]
    assert yaml.safe_load(patch["data"]["line-count.tool.yaml"]) == manifest
    assert tools.remove("line-count") == {"data": {"line-count.tool.yaml": None}}
