"""Tool calls through gateway → orchestrator, against a deterministic OpenAI-compatible runner
(bench/upstream.py) that answers every request carrying ``tools`` with two parallel calls.
The bundled base model cannot call tools, so the runner here is the emulator."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import ExitStack

import openai
import pytest

from tests.conftest import free_port
from tests.service_process import running_service

pytestmark = pytest.mark.integration

KEY = "sk-tools-test-key-0123456789"
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "convert_units",
            "description": "Convert a quantity",
            "parameters": {"type": "object", "properties": {"value": {"type": "number"}}},
        },
    }
]
ASK = [{"role": "user", "content": "Convert 3 bar to kPa and look up 316L."}]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    up, orch, gw = free_port(), free_port(), free_port()
    env = dict(os.environ)
    env.update(
        GATEWAY_PORT=str(gw),
        ORCH_PORT=str(orch),
        LLM_BASE_URL=f"http://127.0.0.1:{up}/v1",
        LLM_MODEL="bench-model",
        GATEWAY_API_KEYS=KEY,
        # The scripted runner stands in for a backend that calls tools.
        LLM_TOOL_CALLING="on",
        ORCH_TOOLS="false",
    )
    work = tmp_path_factory.mktemp("tool-calls")
    with ExitStack() as stack:
        for name, port, argv in (
            ("upstream", up, [sys.executable, "-m", "bench.upstream", "--port", str(up)]),
            ("orchestrator", orch, None),
            ("gateway", gw, None),
        ):
            stack.enter_context(
                running_service(name, env, port, work, argv=argv, ready_path="/health")
            )
        yield f"http://127.0.0.1:{gw}/v1"


@pytest.fixture(scope="module")
def client(base_url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=base_url, api_key=KEY, max_retries=0)


def test_streamed_tool_calls_follow_the_delta_rules(client: openai.OpenAI) -> None:
    chunks = list(
        client.chat.completions.create(
            model="ai-stack",
            messages=ASK,
            tools=TOOLS,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    deltas = [c.choices[0].delta for c in chunks if c.choices]
    calls = [tc for d in deltas for tc in (d.tool_calls or [])]
    firsts = {}
    for tc in calls:
        if tc.index not in firsts:
            firsts[tc.index] = tc
            assert tc.id and tc.type == "function" and tc.function.name
            assert tc.function.arguments == ""
        else:
            assert tc.id is None and tc.type is None and tc.function.name is None
            assert tc.function.arguments
    assert sorted(firsts) == [0, 1], "parallel calls get distinct indexes"
    assert {firsts[0].id, firsts[1].id} == {"call_a", "call_b"}
    args = {
        i: "".join(tc.function.arguments for tc in calls if tc.index == i and tc is not firsts[i])
        for i in firsts
    }
    assert args[0] == '{"value": 3, "unit": "bar"}' and args[1] == '{"grade": "316L"}'
    assert [c for c in chunks if c.choices][-1].choices[0].finish_reason == "tool_calls"
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert all(c.usage is None for c in chunks[:-1])
    assert len({c.id for c in chunks}) == 1 and {c.model for c in chunks} == {"ai-stack"}


def test_non_streamed_tool_calls_and_the_follow_up_turn(client: openai.OpenAI) -> None:
    answer = client.chat.completions.create(model="ai-stack", messages=ASK, tools=TOOLS)
    message = answer.choices[0].message
    assert answer.choices[0].finish_reason == "tool_calls"
    assert [c.function.name for c in message.tool_calls] == ["convert_units", "lookup_material"]
    follow_up = [
        *ASK,
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [c.model_dump() for c in message.tool_calls],
        },
        {"role": "tool", "tool_call_id": "call_a", "content": "300 kPa"},
        {"role": "tool", "tool_call_id": "call_b", "content": "austenitic stainless steel"},
    ]
    final = client.chat.completions.create(model="ai-stack", messages=follow_up)
    assert final.choices[0].finish_reason == "stop" and final.choices[0].message.content
    # The gateway checked the answer: "170 MPa" is found (already SI, so no note is appended).
    assert final.model_extra["validation"]["quantities"] == [{"text": "170 MPa", "si": "170 MPa"}]
    assert final.choices[0].message.content == "Yield strength of 316L is about 170 MPa."
