"""The graph's shape: pre-generate nodes run in order and their context is framed first.

The LLM runner is the I/O boundary; here it is a recording double (the real llama-server is
exercised by the integration tests).
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from services.kit.errors import UpstreamUnavailableError
from services.orchestrator.graph.builder import build_graph
from services.orchestrator.graph.frame import frame_messages
from services.orchestrator.graph.generate import GenerateNode
from services.orchestrator.graph.state import ChatState

pytestmark = pytest.mark.unit


class RecordingLLM:
    def __init__(self, fail: bool = False) -> None:
        self.calls: list[list[dict[str, Any]]] = []
        self.fail = fail

    async def complete(self, messages, **params) -> dict[str, Any]:
        self.calls.append(messages)
        return {
            "id": "runner-id",
            "object": "chat.completion",
            "created": 1,
            "model": "/path/to/model.gguf",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": "ok"},
                }
            ],
            "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
        }

    async def stream(self, messages, *, include_usage=False, **params):
        self.calls.append(messages)
        if self.fail:
            raise UpstreamUnavailableError("runner down")
        for i, piece in enumerate(["He", "llo"]):
            yield (
                {
                    "id": "runner-id",
                    "object": "chat.completion.chunk",
                    "created": 1,
                    "model": "/path/to/model.gguf",
                    "choices": [
                        {
                            "index": 0,
                            "delta": {
                                "content": piece,
                                **({"role": "assistant"} if i == 0 else {}),
                            },
                            "finish_reason": None if i == 0 else "stop",
                        }
                    ],
                }
            )
        if include_usage:
            yield (
                {
                    "id": "runner-id",
                    "object": "chat.completion.chunk",
                    "created": 1,
                    "model": "m",
                    "choices": [],
                    "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
                }
            )


def state(stream: bool, include_usage: bool = False, **extra: Any) -> ChatState:
    return {
        "completion_id": "chatcmpl-ours",
        "created": 42,
        "public_model": "ai-stack",
        "messages": [{"role": "user", "content": "What is 3 bar in kPa?"}],
        "params": {"max_tokens": 5},
        "stream": stream,
        "include_usage": include_usage,
        "context": [],
        "plan": [],
        "steps": [],
        "steps_taken": 0,
        "deadline": time.monotonic() + 60,
        "stop": None,
        **extra,  # type: ignore[typeddict-item]
    }


def test_frame_goes_first_into_a_new_system_message_or_the_clients() -> None:
    user = {"role": "user", "content": " 3  bar "}
    block = [{"title": "Constraints", "text": "p ≤ 10 bar"}]
    alone = frame_messages([user], block)  # type: ignore[arg-type]
    assert alone == [{"role": "system", "content": "## Constraints\np ≤ 10 bar"}, user]
    # The client's own system message gets the frame first: one system message, not two
    # (strict chat templates refuse a second one).
    client = [{"role": "system", "content": "be brief"}, user]
    merged = frame_messages(client, block)  # type: ignore[arg-type]
    assert [m["role"] for m in merged] == ["system", "user"] and merged[1] is user
    assert merged[0]["content"] == (
        "## Constraints\np ≤ 10 bar\n\n## Instructions from the client\nbe brief"
    )
    parts = [{"role": "developer", "content": [{"type": "text", "text": "be brief"}]}, user]
    merged = frame_messages(parts, block)  # type: ignore[arg-type]
    assert merged[0]["role"] == "system" and merged[0]["content"][-1]["text"] == "be brief"
    assert frame_messages(client, []) is client


async def test_planned_steps_run_in_order_and_feed_the_frame() -> None:
    order: list[str] = []

    def adds(title: str):
        async def node(s: ChatState) -> dict[str, Any]:
            order.append(title)
            return {
                "plan": s["plan"][1:],
                "context": [*s.get("context", []), {"title": title, "text": title.lower()}],
            }

        return node

    llm = RecordingLLM()
    graph = build_graph(GenerateNode(llm), tool=adds("Units"), retrieve=adds("Evidence"))
    plan = [
        {"kind": "tool", "tool": "convert_units", "arguments": {}, "why": ""},
        {"kind": "retrieve", "tool": "documents", "arguments": {}, "why": ""},
    ]
    result = await graph.ainvoke(state(stream=False, plan=plan))
    assert order == ["Units", "Evidence"]
    assert llm.calls[0][0]["content"] == "## Units\nunits\n\n## Evidence\nevidence"
    assert llm.calls[0][1] == {"role": "user", "content": "What is 3 bar in kPa?"}
    completion = result["completion"]
    assert (completion["id"], completion["model"], completion["created"]) == (
        "chatcmpl-ours",
        "ai-stack",
        42,
    )
    assert completion["usage"]["total_tokens"] == 4


async def test_streaming_restamps_chunks_and_marks_usage() -> None:
    graph = build_graph(GenerateNode(RecordingLLM()))
    chunks = [
        c async for c in graph.astream(state(stream=True, include_usage=True), stream_mode="custom")
    ]
    assert {c["id"] for c in chunks} == {"chatcmpl-ours"}
    assert {c["model"] for c in chunks} == {"ai-stack"}
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert [c["usage"] for c in chunks[:-1]] == [None, None]
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] == 5
    # The finishing chunk says what ran.
    assert [s["node"] for s in chunks[-2]["steps"]] == ["generate"]


async def test_runner_failure_surfaces_from_the_graph() -> None:
    graph = build_graph(GenerateNode(RecordingLLM(fail=True)))
    with pytest.raises(UpstreamUnavailableError):
        async for _ in graph.astream(state(stream=True), stream_mode="custom"):
            pass


def test_the_readme_draws_the_graph_as_the_code_builds_it() -> None:
    import re
    from pathlib import Path

    async def node(s: ChatState) -> dict[str, Any]:
        return {}

    built = build_graph(node, tool=node, retrieve=node, call_tools=node)
    drawn = built.get_graph().draw_mermaid().strip()
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    (shown,) = re.findall(r"```mermaid\n(.*?)\n```", readme, re.DOTALL)
    assert shown.strip() == drawn, "update the README's graph (draw_mermaid of build_graph)"
