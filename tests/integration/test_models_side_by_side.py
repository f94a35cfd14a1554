"""Two models side by side from a model table (AISTACK_MODELS_FILE, the operator's ConfigMap
format): both are listed, each chat reaches its own runner, and the table is re-read live."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest
import yaml

from tests.conftest import free_port
from tests.integration.stackproc import Stack, start_stack, stop
from tests.service_process import ServiceProcess, start_service

pytestmark = pytest.mark.integration

KEY = "sk-configured-key-0123456789abcdef"
BENCH_ANSWER = "Yield strength of 316L is about 170 MPa."


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    port = free_port()
    argv = [sys.executable, "-m", "bench.upstream", "--port", str(port)]
    runner = start_service(
        "upstream", {}, port, tmp_path_factory.mktemp("up"), argv=argv, ready_path="/health"
    )
    try:
        yield runner
    finally:
        runner.stop()


def write_table(path: Path, upstream_url: str | None) -> None:
    models: list[dict] = [{"id": "ai-stack", "backend": "llamacpp"}]
    if upstream_url:
        models.append(
            {"id": "bench-7b", "backend": "vllm", "base_url": f"{upstream_url}/v1",
             "model": "bench-model"}
        )  # fmt: skip
    staging = path.with_suffix(".tmp")
    staging.write_text(yaml.safe_dump({"models": models}))
    staging.replace(path)  # whole, as a ConfigMap update lands


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, upstream: ServiceProcess
) -> Iterator[tuple[Stack, Path]]:
    work = tmp_path_factory.mktemp("side-by-side")
    table = work / "models.yaml"
    write_table(table, upstream.base_url)
    s = start_stack(work, AISTACK_MODELS_FILE=str(table), GATEWAY_API_KEYS=KEY)
    try:
        yield s, table
    finally:
        stop(s)


def test_both_models_are_listed_and_each_chat_reaches_its_runner(
    stack: tuple[Stack, Path],
) -> None:
    s, _ = stack
    client = openai.OpenAI(base_url=s.base_url, api_key=KEY, max_retries=0, timeout=60)
    ids = [m.id for m in client.models.list().data]
    assert ids[:2] == ["ai-stack", "bench-7b"]
    ask = [{"role": "user", "content": "What is the yield strength of 316L?"}]
    bench = client.chat.completions.create(model="bench-7b", messages=ask)
    assert bench.choices[0].message.content == BENCH_ANSWER
    assert bench.model == "bench-7b"
    embedded = client.chat.completions.create(model="ai-stack", messages=ask, max_tokens=4)
    assert embedded.choices[0].message.content != BENCH_ANSWER
    assert embedded.usage is not None and embedded.usage.prompt_tokens > 10


def test_a_configured_key_is_never_printed(stack: tuple[Stack, Path]) -> None:
    s, _ = stack
    banner = s.output.read_text()
    assert KEY not in banner
    assert "ai-stack is ready" in banner and KEY[-4:] in banner


def test_the_table_is_re_read_while_running(stack: tuple[Stack, Path]) -> None:
    s, table = stack
    client = openai.OpenAI(base_url=s.base_url, api_key=KEY, max_retries=0, timeout=60)
    write_table(table, None)
    deadline = time.monotonic() + 10
    while "bench-7b" in [m.id for m in client.models.list().data]:
        assert time.monotonic() < deadline, "the gateway did not re-read the model table"
        time.sleep(0.2)
    with pytest.raises(openai.NotFoundError) as info:
        client.chat.completions.create(
            model="bench-7b", messages=[{"role": "user", "content": "x"}]
        )
    assert "bench-7b" in info.value.message
