"""Orchestrator fixtures: the orchestrator app in process, talking over real HTTP to a real
tool-registry process and to a scripted OpenAI-compatible runner (tests/scripted_llm.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.orchestrator.main import create_app
from services.orchestrator.settings import Settings
from tests.tool_registry.conftest import KEY, Registry, start_registry, stop_registry

MODEL = "ai-stack"


@pytest.fixture(scope="package")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    running = start_registry(tmp_path_factory.mktemp("orch-registry"))
    try:
        yield running
    finally:
        stop_registry(running)


Orchestrator = Callable[..., Any]


@pytest.fixture
def orchestrator(registry: Registry) -> Iterator[Orchestrator]:
    """``orchestrator(llm_url, **settings)``: a context manager yielding a TestClient of the
    orchestrator wired to ``registry`` and the runner at ``llm_url``."""

    @contextmanager
    def make(llm_url: str, **settings: Any) -> Iterator[TestClient]:
        values: dict[str, Any] = {
            "llm_base_url": llm_url,
            "llm_model": "scripted-model",
            "llm_tool_calling": "on",
            "tools_url": registry.url,
            "orch_peer_api_key": KEY,
            "orch_mcp_domains": [],
            "orch_retrieval": False,
        }
        values.update(settings)
        with TestClient(create_app(Settings(**values))) as client:
            yield client

    yield make


def chat(client: TestClient, messages: list[dict[str, Any]], **body: Any) -> dict[str, Any]:
    response = client.post(
        "/v1/chat/completions", json={"model": MODEL, "messages": messages, **body}
    )
    assert response.status_code == 200, response.text
    return response.json()


def chat_stream(client: TestClient, messages: list[dict[str, Any]], **body: Any) -> list[dict]:
    import json

    payload = {"model": MODEL, "messages": messages, "stream": True, **body}
    with client.stream("POST", "/v1/chat/completions", json=payload) as response:
        assert response.status_code == 200
        text = "".join(response.iter_text())
    events = [e.removeprefix("data: ") for e in text.split("\n\n") if e.startswith("data: ")]
    assert events[-1] == "[DONE]", text
    return [json.loads(e) for e in events[:-1]]


def user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]
