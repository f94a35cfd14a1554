"""The Model handlers against kmock (the Kubernetes API emulator kopf's authors use) and a
loopback stand-in for Ollama's pull API: create, update, delete, the timer, and every error
path with its status condition and kopf error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kopf
import pytest
import yaml

from operators.deps import Deps
from operators.handlers import models as handlers
from operators.handlers.common import MODELS
from operators.kube import CONFIGMAPS, DEPLOYMENTS, INFERENCE_SERVICES, RAY_SERVICES, SERVICES
from services.kit.models import ModelTable
from services.kit.settings import StackSettings
from tests.operator.conftest import KSERVE, KUBERAY, NAMESPACE, declare, example, resource
from tests.operator.handlers import call, create, ready_condition
from tests.operator.standins import Ollama

pytestmark = pytest.mark.unit


async def table(deps: Deps) -> list[dict[str, Any]]:
    config_map = await deps.kube.get(CONFIGMAPS, NAMESPACE, "ai-stack-models")
    assert config_map is not None, "the model table was never written"
    return yaml.safe_load(config_map["data"]["models.yaml"])["models"]


async def ids(deps: Deps) -> list[str]:
    return [m["id"] for m in await table(deps)]


async def add_model(deps: Deps, file: str, **spec: Any) -> str:
    doc = example(file)
    body = resource("Model", doc["metadata"]["name"], {**doc["spec"], **spec})
    await create(deps, MODELS, body)
    return body["metadata"]["name"]


async def reconcile(deps: Deps, memo: Any, name: str):
    return await call(handlers.reconcile, deps, MODELS, name, memo)


def make_available(cluster: Any, name: str, available: int = 1) -> None:
    cluster.objects["apps/v1/deployments", NAMESPACE, f"model-{name}"].patch(
        {"status": {"availableReplicas": available, "replicas": 1}}
    )


async def test_vllm_model_deploys_waits_for_the_weights_then_is_published(
    cluster: Any, deps: Deps, memo: Any, tmp_path: Path
) -> None:
    name = await add_model(deps, "model-vllm-gpu.yaml")
    body, _, error = await reconcile(deps, memo, name)
    assert isinstance(error, kopf.TemporaryError) and error.delay == 15
    assert body["status"]["phase"] == "Pending"
    assert ready_condition(body)["reason"] == "Waiting"
    assert "0/1 replicas available" in body["status"]["message"]
    deployment = await deps.kube.get(DEPLOYMENTS, NAMESPACE, "model-mistral-7b")
    assert deployment["spec"]["template"]["spec"]["runtimeClassName"] == "nvidia"
    assert deployment["metadata"]["ownerReferences"][0]["uid"] == "uid-mistral-7b"
    assert await deps.kube.get(SERVICES, NAMESPACE, "model-mistral-7b") is not None
    assert await ids(deps) == ["ai-stack"]  # not published while loading

    make_available(cluster, name)
    body, _, error = await reconcile(deps, memo, name)
    assert error is None
    status = body["status"]
    assert status["phase"] == "Ready"
    assert status["endpoint"] == "http://model-mistral-7b.ai-stack.svc:8000/v1"
    assert (status["id"], status["backend"], status["servedName"]) == (
        "mistral-7b",
        "vllm",
        "mistral-7b",
    )
    assert ready_condition(body)["status"] == "True" and status["observedGeneration"] == 1
    configured = {
        "id": "ai-stack",
        "backend": "ollama",
        "base_url": "http://ai-stack-llm-runner:11434/v1",
        "model": "llama3:8b-instruct",
    }
    published = {"id": "mistral-7b", "backend": "vllm", "model": "mistral-7b"}
    assert await table(deps) == [configured, {**published, "base_url": status["endpoint"]}]
    # The gateway and the orchestrator read exactly this file (the kit's model table).
    path = tmp_path / "models.yaml"
    config_map = await deps.kube.get(CONFIGMAPS, NAMESPACE, "ai-stack-models")
    path.write_text(config_map["data"]["models.yaml"])
    routes = ModelTable(StackSettings(aistack_models_file=path)).routes()
    assert [(r.id, r.base_url) for r in routes][1] == ("mistral-7b", status["endpoint"])


async def test_an_update_reshapes_the_deployment(cluster: Any, deps: Deps, memo: Any) -> None:
    name = await add_model(deps, "model-vllm-gpu.yaml")
    await reconcile(deps, memo, name)
    make_available(cluster, name)
    await reconcile(deps, memo, name)
    # GPU -> CPU, two replicas: the merge patch removes the RuntimeClass and the GPU limits.
    change = {"resources": {"profile": "cpu", "memory": None}, "replicas": 2}
    await deps.kube.patch(MODELS, NAMESPACE, name, {"metadata": {"generation": 2}, "spec": change})
    body, _, error = await reconcile(deps, memo, name)
    assert error is None and body["status"]["observedGeneration"] == 2
    pod = (await deps.kube.get(DEPLOYMENTS, NAMESPACE, "model-mistral-7b"))["spec"]["template"][
        "spec"
    ]
    assert "runtimeClassName" not in pod
    assert "nvidia.com/gpu" not in str(pod["containers"][0]["resources"])
    assert not any(v["name"] == "shm" for v in pod["volumes"])
    deployment = await deps.kube.get(DEPLOYMENTS, NAMESPACE, "model-mistral-7b")
    assert deployment["spec"]["replicas"] == 2


async def test_kserve_without_kserve_says_what_is_missing_and_tidies_up(
    cluster: Any, deps: Deps, memo: Any
) -> None:
    name = await add_model(deps, "model-vllm-gpu.yaml")
    await reconcile(deps, memo, name)
    make_available(cluster, name)
    await reconcile(deps, memo, name)
    assert "mistral-7b" in await ids(deps)
    await deps.kube.patch(MODELS, NAMESPACE, name, {"spec": {"runtime": "kserve"}})
    body, _, error = await reconcile(deps, memo, name)
    assert isinstance(error, kopf.TemporaryError) and error.delay == 300
    condition = ready_condition(body)
    assert (condition["status"], condition["reason"]) == ("False", "ApiMissing")
    assert "serving.kserve.io/v1beta1 InferenceService" in condition["message"]
    # The Deployment of the former runtime is gone, and so is the Model from the table.
    assert await deps.kube.get(DEPLOYMENTS, NAMESPACE, "model-mistral-7b") is None
    assert await deps.kube.get(SERVICES, NAMESPACE, "model-mistral-7b") is None
    assert await ids(deps) == ["ai-stack"]


async def test_kserve_inference_service_when_the_api_is_served(
    cluster: Any, deps: Deps, memo: Any
) -> None:
    declare(cluster, *KSERVE, {"status"})
    name = await add_model(deps, "model-kserve.yaml")
    body, _, error = await reconcile(deps, memo, name)
    assert isinstance(error, kopf.TemporaryError) and body["status"]["phase"] == "Pending"
    isvc = cluster.objects[KSERVE[0], NAMESPACE, "model-mistral-7b-kserve"]
    assert isvc["spec"]["predictor"]["model"]["modelFormat"] == {"name": "huggingface"}
    isvc.patch({"status": {
        "address": {"url": "http://model-mistral-7b-kserve-predictor.ai-stack.svc.cluster.local"},
        "conditions": [{"type": "Ready", "status": "True"}],
    }})  # fmt: skip
    body, _, error = await reconcile(deps, memo, name)
    assert error is None
    endpoint = "http://model-mistral-7b-kserve-predictor.ai-stack.svc.cluster.local/openai/v1"
    assert body["status"]["endpoint"] == endpoint
    assert (await table(deps))[-1]["base_url"] == endpoint
    assert await deps.kube.get(INFERENCE_SERVICES, NAMESPACE, "model-mistral-7b-kserve")


async def test_rayservice_missing_then_served(cluster: Any, deps: Deps, memo: Any) -> None:
    name = await add_model(deps, "model-rayservice.yaml")
    body, _, error = await reconcile(deps, memo, name)
    assert (
        ready_condition(body)["reason"] == "ApiMissing"
        and "ray.io/v1 RayService" in body["status"]["message"]
    )
    declare(cluster, *KUBERAY, {"status"})
    body, _, error = await reconcile(deps, memo, name)
    assert isinstance(error, kopf.TemporaryError) and ready_condition(body)["reason"] == "Waiting"
    cluster.objects[KUBERAY[0], NAMESPACE, "model-mistral-7b-ray"].patch(
        {"status": {"serviceStatus": "Running"}}
    )
    body, _, error = await reconcile(deps, memo, name)
    assert error is None
    assert (
        body["status"]["endpoint"] == "http://model-mistral-7b-ray-serve-svc.ai-stack.svc:8000/v1"
    )
    assert await deps.kube.get(RAY_SERVICES, NAMESPACE, "model-mistral-7b-ray")


async def test_ollama_pull_reports_progress_and_the_digest(
    cluster: Any, deps: Deps, memo: Any, ollama: tuple[Ollama, str]
) -> None:
    standin, url = ollama
    name = await add_model(deps, "model-ollama-cpu.yaml")
    body, _, error = await reconcile(deps, memo, name)
    assert error is None
    assert standin.pulls == ["qwen2.5:0.5b"]
    status = body["status"]
    assert status["phase"] == "Ready"
    assert status["digest"] == "a8b0c5157701"
    assert status["endpoint"] == f"{url}/v1"
    assert status["progress"]["percent"] == 100
    # While pulling, the status showed the progress (kmock keeps every version).
    history = cluster.objects["aistack.dev/v1alpha1/models", NAMESPACE, name].history
    pulling = [
        v["status"]
        for v in history
        if v is not None and v.get("status", {}).get("phase") == "Pulling"
    ]
    assert pulling and pulling[-1]["progress"]["total"] == 1000
    assert (await table(deps))[-1] == {
        "id": "qwen-small",
        "backend": "ollama",
        "base_url": f"{url}/v1",
        "model": "qwen2.5:0.5b",
    }
    # Present already: not pulled again.
    await reconcile(deps, memo, name)
    assert standin.pulls == ["qwen2.5:0.5b"]


async def test_ollama_without_such_a_model_is_a_bad_spec(
    deps: Deps, memo: Any, ollama: tuple[Ollama, str]
) -> None:
    ollama[0].unknown.add("qwen9:999b")
    name = await add_model(deps, "model-ollama-cpu.yaml", source={"ollama": "qwen9:999b"})
    body, _, error = await reconcile(deps, memo, name)
    assert isinstance(error, kopf.PermanentError)
    assert ready_condition(body)["reason"] == "InvalidSpec"
    assert "file does not exist" in body["status"]["message"]
    assert await ids(deps) == ["ai-stack"]


async def test_ollama_unreachable_is_retried(deps: Deps, memo: Any) -> None:
    deps.ollama.base_url = "http://127.0.0.1:9"  # nothing listens on the discard port
    name = await add_model(deps, "model-ollama-cpu.yaml")
    body, _, error = await reconcile(deps, memo, name)
    assert isinstance(error, kopf.TemporaryError) and error.delay == 30
    assert ready_condition(body)["reason"] == "Unreachable"
    assert "Ollama" in body["status"]["message"]


async def test_a_bad_spec_is_permanent(deps: Deps, memo: Any) -> None:
    await create(
        deps, MODELS, resource("Model", "broken", {"engine": "vllm", "source": {"ollama": "x"}})
    )
    body, _, error = await reconcile(deps, memo, "broken")
    assert isinstance(error, kopf.PermanentError)
    assert body["status"]["phase"] == "Failed"
    assert ready_condition(body)["reason"] == "InvalidSpec"
    assert "source.path" in ready_condition(body)["message"]


async def test_an_id_is_published_once(deps: Deps, memo: Any) -> None:
    spec = {
        "engine": "external",
        "id": "shared",
        "servedName": "big",
        "source": {"url": "https://a.example/v1"},
    }
    await create(deps, MODELS, resource("Model", "first", spec))
    await create(
        deps,
        MODELS,
        resource("Model", "second-one", {**spec, "source": {"url": "https://b.example/v1"}}),
    )
    body, _, error = await reconcile(deps, memo, "first")
    assert error is None and body["status"]["backend"] == "openai"
    body, _, error = await reconcile(deps, memo, "second-one")
    assert isinstance(error, kopf.TemporaryError)
    assert (
        ready_condition(body)["reason"] == "IdInUse" and "Model first" in body["status"]["message"]
    )
    assert [m["base_url"] for m in await table(deps) if m["id"] == "shared"] == [
        "https://a.example/v1"
    ]


async def test_delete_withdraws_it_from_the_table(cluster: Any, deps: Deps, memo: Any) -> None:
    name = await add_model(deps, "model-vllm-gpu.yaml")
    await reconcile(deps, memo, name)
    make_available(cluster, name)
    await reconcile(deps, memo, name)
    assert "mistral-7b" in await ids(deps)
    _, _, error = await call(handlers.withdraw, deps, MODELS, name, memo)
    assert error is None
    assert await ids(deps) == ["ai-stack"]


async def test_the_timer_withdraws_a_model_that_stops_answering_and_brings_it_back(
    cluster: Any, deps: Deps, memo: Any
) -> None:
    name = await add_model(deps, "model-vllm-gpu.yaml")
    await reconcile(deps, memo, name)
    make_available(cluster, name)
    await reconcile(deps, memo, name)
    make_available(cluster, name, available=0)
    body, _, _ = await call(handlers.check, deps, MODELS, name, memo)
    assert body["status"]["phase"] == "Degraded" and ready_condition(body)["status"] == "False"
    assert await ids(deps) == ["ai-stack"]
    # Someone deleted the Deployment: the next check creates it again.
    await deps.kube.delete(DEPLOYMENTS, NAMESPACE, "model-mistral-7b")
    await call(handlers.check, deps, MODELS, name, memo)
    assert await deps.kube.get(DEPLOYMENTS, NAMESPACE, "model-mistral-7b") is not None
    make_available(cluster, name)
    body, _, _ = await call(handlers.check, deps, MODELS, name, memo)
    assert body["status"]["phase"] == "Ready"
    assert "mistral-7b" in await ids(deps)


async def test_two_models_ready_together_are_both_published(deps: Deps, memo: Any) -> None:
    """The second publishes before the first's status patch lands: both are in the table."""
    spec = {"engine": "external", "servedName": "m", "source": {"url": "https://a.example/v1"}}
    await create(deps, MODELS, resource("Model", "one", spec))
    await create(deps, MODELS, resource("Model", "two", spec))
    one = await deps.kube.get(MODELS, NAMESPACE, "one")
    await handlers.reconcile(
        body=one,
        spec=one["spec"],
        name="one",
        namespace=NAMESPACE,
        status={},
        patch=kopf.Patch(),
        memo=memo,
    )  # patch not applied
    await reconcile(deps, memo, "two")
    assert await ids(deps) == ["ai-stack", "one", "two"]
