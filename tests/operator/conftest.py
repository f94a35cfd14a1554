"""Fixtures for the operator's tests: its settings, kmock as the Kubernetes API, the loopback
stand-ins for Ollama, the tool registry and rag-api, and the handlers' ``memo``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
import yaml

from operators.deps import Deps
from operators.desired.common import API_VERSION
from operators.kube import Kube
from operators.settings import Settings
from tests.operator.standins import Ollama, Rag, Registry, serve

REPO = Path(__file__).resolve().parents[2]
CRDS = REPO / "charts" / "ai-stack" / "charts" / "operator" / "crds"
EXAMPLES = REPO / "k8s" / "examples"
NAMESPACE = "ai-stack"
TOKEN = "st-aistack-test-token-0123456789"

# kmock serves these kinds (discovery, list/watch, create/patch/delete).
RESOURCES = {
    f"{API_VERSION}/models": ("Model", {"status"}),
    f"{API_VERSION}/knowledgebases": ("KnowledgeBase", {"status"}),
    f"{API_VERSION}/toolplugins": ("ToolPlugin", {"status"}),
    "v1/configmaps": ("ConfigMap", set()),
    "v1/services": ("Service", set()),
    "v1/events": ("Event", set()),
    # kopf's own backbone: it lists the namespaces and watches the CRDs.
    "v1/namespaces": ("Namespace", set()),
    "apiextensions.k8s.io/v1/customresourcedefinitions": ("CustomResourceDefinition", set()),
    "apps/v1/deployments": ("Deployment", {"status"}),
    "batch/v1/jobs": ("Job", {"status"}),
    "batch/v1/cronjobs": ("CronJob", {"status"}),
}
KSERVE = ("serving.kserve.io/v1beta1/inferenceservices", "InferenceService")
KUBERAY = ("ray.io/v1/rayservices", "RayService")


@pytest.fixture(autouse=True)
def _no_operator_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


def declare(kmock: Any, path: str, kind: str, subresources: set[str] = frozenset()) -> None:
    kmock.resources[path] = kmock.ResourceInfo(
        kind=kind,
        namespaced=True,
        subresources=set(subresources),
        verbs={"get", "list", "watch", "create", "patch", "update", "delete"},
    )


@pytest.fixture
def cluster(kmock: Any) -> Any:
    """kmock with the kinds a cluster without KServe and KubeRay serves."""
    for path, (kind, subs) in RESOURCES.items():
        declare(kmock, path, kind, subs)
    return kmock


@pytest.fixture
async def ollama() -> AsyncIterator[tuple[Ollama, str]]:
    standin = Ollama()
    async with serve(standin.app()) as url:
        yield standin, url


@pytest.fixture
async def registry() -> AsyncIterator[tuple[Registry, str]]:
    standin = Registry()
    async with serve(standin.app()) as url:
        yield standin, url


@pytest.fixture
async def rag() -> AsyncIterator[tuple[Rag, str]]:
    standin = Rag()
    async with serve(standin.app()) as url:
        yield standin, url


@pytest.fixture
def settings(ollama: tuple[Ollama, str], registry: tuple[Registry, str], rag: tuple[Rag, str]):
    return Settings(
        operator_namespace=NAMESPACE,
        operator_release="ai-stack",
        operator_ollama_url=ollama[1],
        operator_check_interval_s=1.0,
        tools_url=registry[1],
        rag_url=rag[1],
        aistack_service_token=TOKEN,
        llm_backend="ollama",
        llm_base_url="http://ai-stack-llm-runner:11434/v1",
        ollama_model="llama3:8b-instruct",
    )


@pytest.fixture
async def deps(cluster: Any, settings: Settings) -> AsyncIterator[Deps]:
    kube = Kube(aiohttp.ClientSession(), str(cluster.url))
    made = Deps.open(settings, kube)
    try:
        yield made
    finally:
        await made.aclose()


@pytest.fixture
def memo(deps: Deps) -> SimpleNamespace:
    return SimpleNamespace(deps=deps)


def example(name: str) -> dict[str, Any]:
    return yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))


def resource(kind: str, name: str, spec: dict[str, Any], generation: int = 1) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": kind,
        "metadata": {
            "name": name,
            "namespace": NAMESPACE,
            "uid": f"uid-{name}",
            "generation": generation,
            "creationTimestamp": f"2026-01-01T00:00:{len(name):02d}Z",
        },
        "spec": spec,
    }
