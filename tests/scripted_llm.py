"""A scripted OpenAI-compatible runner on loopback: it answers each chat request with the next
reply of its script (text, or tool calls) and records every request it receives, so a test can
check what the model was given and what came back (the bundled base model cannot call tools).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.handler_server import serve_handler

MODEL = "scripted-model"


def say(text: str) -> dict[str, Any]:
    return {"content": text}


def call(name: str, arguments: dict[str, Any], call_id: str | None = None) -> dict[str, Any]:
    return {"tool_calls": [{"id": call_id, "name": name, "arguments": arguments}]}


@dataclass
class ScriptedLLM:
    replies: list[dict[str, Any]]
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def _next(self) -> dict[str, Any]:
        index = min(len(self.requests) - 1, len(self.replies) - 1)
        return self.replies[index]

    def _calls(self, reply: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {"id": c["id"] or f"call_{len(self.requests)}_{i}", "type": "function",
             "function": {"name": c["name"], "arguments": json.dumps(c["arguments"])}}
            for i, c in enumerate(reply.get("tool_calls") or [])
        ]  # fmt: skip

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/models"):
            return httpx.Response(200, json={"object": "list", "data": [{"id": MODEL}]})
        body = json.loads(request.content)
        self.requests.append(body)
        reply = self._next()
        calls = self._calls(reply)
        usage = {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12}
        finish = "tool_calls" if calls else "stop"
        if not body.get("stream"):
            message = {"role": "assistant", "content": reply.get("content")}
            if calls:
                message["tool_calls"] = calls
            return httpx.Response(200, json={
                "id": "up", "object": "chat.completion", "created": 1, "model": MODEL,
                "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                "usage": usage,
            })  # fmt: skip
        events = [{"role": "assistant", "content": ""}]
        if reply.get("content"):
            events += [{"content": w} for w in re.findall(r"\S+\s*", reply["content"])]
        for i, c in enumerate(calls):
            events.append(
                {
                    "tool_calls": [
                        {
                            "index": i,
                            "id": c["id"],
                            "type": "function",
                            "function": {"name": c["function"]["name"], "arguments": ""},
                        }
                    ]
                }
            )
            events.append(
                {
                    "tool_calls": [
                        {"index": i, "function": {"arguments": c["function"]["arguments"]}}
                    ]
                }
            )
        chunks = [
            {"id": "up", "object": "chat.completion.chunk", "created": 1, "model": MODEL,
             "choices": [{"index": 0, "delta": d, "finish_reason": None}]}
            for d in events
        ]  # fmt: skip
        chunks.append({"id": "up", "object": "chat.completion.chunk", "created": 1,
                       "model": MODEL, "choices": [{"index": 0, "delta": {},
                                                    "finish_reason": finish}]})  # fmt: skip
        if (body.get("stream_options") or {}).get("include_usage"):
            chunks.append({"id": "up", "object": "chat.completion.chunk", "created": 1,
                           "model": MODEL, "choices": [], "usage": usage})  # fmt: skip
        text = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
        return httpx.Response(200, content=text.encode(),
                              headers={"content-type": "text/event-stream"})  # fmt: skip

    def offered(self, index: int) -> list[str]:
        """The tool names the model was offered in request ``index``."""
        return [t["function"]["name"] for t in self.requests[index].get("tools") or []]

    def system(self, index: int) -> str:
        first = self.requests[index]["messages"][0]
        return first["content"] if first["role"] == "system" else ""


@contextmanager
def scripted_llm(*replies: dict[str, Any]) -> Iterator[ScriptedLLM]:
    llm = ScriptedLLM(list(replies))
    with serve_handler(llm.handler) as url:
        llm.url = url + "/v1"
        yield llm
