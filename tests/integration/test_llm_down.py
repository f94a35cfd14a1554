"""The LLM runner is down: clients get a clear 503 and the gateway stays up."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import httpx
import openai
import pytest

from tests.conftest import free_port
from tests.integration.stackproc import wait_http_ok

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
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", module],
            env=env,
            cwd=workdir,
            stdout=(workdir / f"{module}.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        for module in ("services.orchestrator", "services.gateway")
    ]
    gateway = f"http://127.0.0.1:{env['GATEWAY_PORT']}"
    orchestrator = f"http://127.0.0.1:{env['ORCH_PORT']}"
    try:
        wait_http_ok(f"{orchestrator}/health")
        wait_http_ok(f"{gateway}/health")
        yield gateway, orchestrator
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)


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
