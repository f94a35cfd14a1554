"""The whole operator (kopf's reactor: discovery, watching, the handlers, finalizers, status
patches, the liveness probe) running against kmock as its Kubernetes API."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import kopf
import pytest
import yaml

from operators.deps import Deps
from operators.handlers import register
from operators.handlers.common import MODELS
from operators.kube import CONFIGMAPS, Kube
from operators.settings import Settings
from tests.conftest import free_port
from tests.operator.conftest import NAMESPACE, resource

pytestmark = pytest.mark.unit


@pytest.fixture
async def operator(cluster: Any, settings: Settings) -> AsyncIterator[tuple[Deps, str]]:
    registry = kopf.OperatorRegistry()
    register(registry, settings)

    @kopf.on.login(registry=registry)
    def login(**_: Any) -> kopf.ConnectionInfo:
        return kopf.ConnectionInfo(server=str(cluster.url).rstrip("/"))

    cluster.objects["v1/namespaces", None, NAMESPACE] = {"metadata": {"name": NAMESPACE}}
    deps = Deps.open(settings, Kube(aiohttp.ClientSession(), str(cluster.url)))
    memo = kopf.Memo(deps=deps)
    stop, ready = asyncio.Event(), asyncio.Event()
    health = f"http://127.0.0.1:{free_port()}/healthz"
    task = asyncio.create_task(
        kopf.operator(
            registry=registry,
            standalone=True,
            namespaces=[NAMESPACE],
            memo=memo,
            stop_flag=stop,
            ready_flag=ready,
            liveness_endpoint=health,
        )
    )
    try:
        await asyncio.wait_for(ready.wait(), 20)
        yield deps, health
    finally:
        stop.set()
        # kopf ends its root task cancelled once it has stopped everything.
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 20)
        assert task.done()


async def wait_for(check: Any) -> Any:
    """``check()`` once it is truthy (20 s at most)."""
    async with asyncio.timeout(20):
        while not (value := await check()):  # noqa: ASYNC110 (polling the API server)
            await asyncio.sleep(0.1)
    return value


async def test_a_model_becomes_ready_is_published_and_withdrawn_on_delete(
    operator: tuple[Deps, str],
) -> None:
    deps, health = operator
    spec = {
        "engine": "external",
        "id": "lan-llm",
        "servedName": "mistral",
        "source": {"url": "https://llm.example/v1"},
    }
    body = resource("Model", "lan-llm", spec)
    # What the API server would add; kopf tests it in its JSON patches (kmock keeps it fixed).
    body["metadata"]["resourceVersion"] = "1"
    await deps.kube.create(MODELS, NAMESPACE, body)

    async def ready() -> Any:
        model = await deps.kube.get(MODELS, NAMESPACE, "lan-llm")
        return model if (model.get("status") or {}).get("phase") == "Ready" else None

    model = await wait_for(ready)
    assert model["status"]["endpoint"] == "https://llm.example/v1"
    assert "aistack.dev/operator" in model["metadata"]["finalizers"]

    async def table() -> list[str]:
        config_map = await deps.kube.get(CONFIGMAPS, NAMESPACE, "ai-stack-models")
        if not config_map:
            return []
        return [m["id"] for m in yaml.safe_load(config_map["data"]["models.yaml"])["models"]]

    assert await wait_for(table) == ["ai-stack", "lan-llm"]
    async with aiohttp.ClientSession() as session, session.get(health) as response:
        assert response.status == 200
        assert (await response.json())["kubernetes_api"].startswith("v1.")

    await deps.kube.request("DELETE", MODELS.path(NAMESPACE, "lan-llm"))

    async def gone() -> bool:
        return await deps.kube.get(MODELS, NAMESPACE, "lan-llm") is None

    await wait_for(gone)
    assert await table() == ["ai-stack"]
