"""The ToolPlugin handlers against kmock and a loopback stand-in for the tool registry's
/tools: the manifest lands in the registry's plugins ConfigMap (its key only), the status
follows the registry's verdict, and delete removes the key."""

from __future__ import annotations

from typing import Any

import kopf
import pytest
import yaml

from operators.deps import Deps
from operators.desired.tools import definition_hash
from operators.handlers import tools as handlers
from operators.handlers.common import TOOL_PLUGINS
from operators.kube import CONFIGMAPS
from tests.operator.conftest import NAMESPACE, TOKEN, example, resource
from tests.operator.handlers import call, create, ready_condition
from tests.operator.standins import Registry

pytestmark = pytest.mark.unit

CONFIGMAP = "ai-stack-tool-registry-manifests"
FILE = "/etc/ai-stack/tools/line-count.tool.yaml"


@pytest.fixture
async def registry_configmap(deps: Deps) -> None:
    """The chart's ConfigMap, with one manifest of its own (values tool-registry.manifests)."""
    await deps.kube.create(
        CONFIGMAPS,
        NAMESPACE,
        {"metadata": {"name": CONFIGMAP}, "data": {"word_count.tool.yaml": "name: word_count\n"}},
    )


async def add(deps: Deps) -> dict[str, Any]:
    doc = example("toolplugin.yaml")
    await create(deps, TOOL_PLUGINS, resource("ToolPlugin", "line-count", doc["spec"]))
    return doc["spec"]["manifest"]


async def reconcile(deps: Deps, memo: Any):
    return await call(handlers.reconcile, deps, TOOL_PLUGINS, "line-count", memo)


@pytest.mark.usefixtures("registry_configmap")
async def test_the_manifest_lands_and_the_registry_registers_it(
    deps: Deps, memo: Any, registry: tuple[Registry, str]
) -> None:
    standin, _ = registry
    manifest = await add(deps)
    body, _, error = await reconcile(deps, memo)
    # Written; the registry has not loaded it yet (the kubelet copies within a minute).
    assert isinstance(error, kopf.TemporaryError) and error.delay == 15
    assert body["status"]["phase"] == "Pending" and ready_condition(body)["reason"] == "Waiting"
    data = (await deps.kube.get(CONFIGMAPS, NAMESPACE, CONFIGMAP))["data"]
    assert set(data) == {"word_count.tool.yaml", "line-count.tool.yaml"}
    assert yaml.safe_load(data["line-count.tool.yaml"]) == manifest
    # The registry loaded it.
    digest = definition_hash(manifest)
    standin.tools.append({
        "type": "function", "function": {"name": "line_count"},
        "source": f"yaml:{FILE}", "hash": digest,
    })  # fmt: skip
    body, _, error = await reconcile(deps, memo)
    assert error is None
    status = body["status"]
    assert (status["phase"], status["tool"], status["hash"]) == ("Registered", "line_count", digest)
    assert status["source"] == f"yaml:{FILE}" and ready_condition(body)["status"] == "True"
    assert set(standin.authorizations) == {f"Bearer {TOKEN}"}


@pytest.mark.usefixtures("registry_configmap")
async def test_an_older_version_still_loaded_is_not_registered_yet(
    deps: Deps, memo: Any, registry: tuple[Registry, str]
) -> None:
    await add(deps)
    registry[0].tools.append(
        {"function": {"name": "line_count"}, "source": f"yaml:{FILE}", "hash": "sha256:old"}
    )
    body, _, error = await reconcile(deps, memo)
    assert isinstance(error, kopf.TemporaryError) and body["status"]["phase"] == "Pending"


@pytest.mark.usefixtures("registry_configmap")
async def test_the_registrys_error_is_a_permanent_failure(
    deps: Deps, memo: Any, registry: tuple[Registry, str]
) -> None:
    await add(deps)
    await reconcile(deps, memo)  # written at writtenAt
    error_text = "argv[0]: no program 'wc' on PATH"
    registry[0].errors.append({"file": FILE, "error": error_text, "at": "2999-01-01T00:00:00Z"})
    body, _, error = await reconcile(deps, memo)
    assert isinstance(error, kopf.PermanentError)
    assert body["status"]["phase"] == "Failed" and body["status"]["error"] == error_text
    assert error_text in ready_condition(body)["message"]


@pytest.mark.usefixtures("registry_configmap")
async def test_an_error_from_before_the_write_is_stale(
    deps: Deps, memo: Any, registry: tuple[Registry, str]
) -> None:
    await add(deps)
    registry[0].errors.append({"file": FILE, "error": "old content", "at": "2000-01-01T00:00:00Z"})
    body, _, error = await reconcile(deps, memo)
    assert isinstance(error, kopf.TemporaryError) and body["status"]["phase"] == "Pending"


async def test_without_the_registrys_configmap_it_waits(deps: Deps, memo: Any) -> None:
    await add(deps)
    body, _, error = await reconcile(deps, memo)
    assert isinstance(error, kopf.TemporaryError)
    assert "tool-registry.enabled" in ready_condition(body)["message"]


@pytest.mark.usefixtures("registry_configmap")
async def test_an_unreachable_registry_is_retried(deps: Deps, memo: Any) -> None:
    deps.registry.base_url = "http://127.0.0.1:9"
    await add(deps)
    body, _, error = await reconcile(deps, memo)
    assert (
        isinstance(error, kopf.TemporaryError) and ready_condition(body)["reason"] == "Unreachable"
    )


@pytest.mark.usefixtures("registry_configmap")
async def test_delete_removes_only_its_key(deps: Deps, memo: Any) -> None:
    await add(deps)
    await reconcile(deps, memo)
    _, _, error = await call(handlers.unregister, deps, TOOL_PLUGINS, "line-count", memo)
    assert error is None
    data = (await deps.kube.get(CONFIGMAPS, NAMESPACE, CONFIGMAP))["data"]
    assert data == {"word_count.tool.yaml": "name: word_count\n"}
