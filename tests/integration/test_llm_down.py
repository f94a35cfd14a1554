"""The LLM runner is down: clients get a clear 503 and the gateway stays up."""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpx
import openai
import pytest

from tests.conftest import free_port
from tests.service_process import running_service

pytestmark = pytest.mark.integration

KEY = "sk-integration-key-0123456789"


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    workdir = tmp_path_factory.mktemp("llm-down")
    dead_llm = free_port()  # nothing listens here
    env = dict(os.environ)
    env.update(
        GATEWAY_PORT=str(free_port()),
        ORCH_PORT=str(free_port()),
        LLM_BASE_URL=f"http://127.0.0.1:{dead_llm}/v1",
        LLM_MODEL="any",
        GATEWAY_API_KEYS=KEY,
    )
    with (
        running_service("orchestrator", env, int(env["ORCH_PORT"]), workdir, cwd=workdir,
                        ready_path="/health") as orchestrator,
        running_service("gateway", env, int(env["GATEWAY_PORT"]), workdir, cwd=workdir,
                        ready_path="/health") as gateway,
    ):  # fmt: skip
        yield gateway.base_url, orchestrator.base_url


@pytest.mark.parametrize("stream", [False, True])
def test_runner_down_is_a_clear_503(services: tuple[str, str], stream: bool) -> None:
    gateway, _ = services
    client = openai.OpenAI(base_url=f"{gateway}/v1", api_key=KEY, max_retries=0)
    with pytest.raises(openai.APIStatusError) as info:
        client.chat.completions.create(
            model="ai-stack", messages=[{"role": "user", "content": "hi"}], stream=stream
        )
    assert info.value.status_code == 503
    assert "LLM runner" in info.value.message and "unreachable" in info.value.message
    assert httpx.get(f"{gateway}/health").status_code == 200


def test_readiness_names_the_missing_dependency(services: tuple[str, str]) -> None:
    gateway, orchestrator = services
    ready = httpx.get(f"{orchestrator}/ready")
    assert ready.status_code == 503
    assert ready.json()["checks"]["llm"] != "ok"
    # The gateway itself can still serve (its dependency, the orchestrator, is alive).
    assert httpx.get(f"{gateway}/ready").status_code == 200
