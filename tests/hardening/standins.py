"""Loopback stand-ins for a service's peers while it is fuzzed: each answers the routes its
caller uses with a well-formed reply and records what reached it, so a test can tell that
generated requests got through the service's own checks (tests/handler_server.py serves it)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.handler_server import serve_handler

_COMPLETION = {
    "id": "chatcmpl-standin",
    "object": "chat.completion",
    "created": 1,
    "model": "ai-stack",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "The limit is 10 bar."},
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 5, "completion_tokens": 6, "total_tokens": 11},
}


def _stream() -> bytes:
    chunk = {"id": "chatcmpl-standin", "object": "chat.completion.chunk", "created": 1,
             "model": "ai-stack"}  # fmt: skip
    deltas = [
        {"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]},
        {"choices": [{"index": 0, "delta": {"content": "10 bar"}, "finish_reason": None}]},
        {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
    ]
    events = "".join(f"data: {json.dumps({**chunk, **d})}\n\n" for d in deltas)
    return (events + "data: [DONE]\n\n").encode()


@dataclass
class StandIn:
    """Answers as the orchestrator, rag-api and asr-api would; ``seen`` counts per route."""

    seen: dict[str, int] = field(default_factory=dict)
    chat_bodies: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def handler(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.seen[path] = self.seen.get(path, 0) + 1
        if path in ("/health", "/ready"):
            return httpx.Response(200, json={"status": "ok"})
        if path == "/v1/chat/completions":
            body = json.loads(request.content)
            self.chat_bodies.append(body)
            if body.get("stream"):
                return httpx.Response(
                    200, content=_stream(), headers={"content-type": "text/event-stream"}
                )
            return httpx.Response(200, json=_COMPLETION)
        if path == "/debug/last":
            return httpx.Response(200, json={"key": request.url.params.get("key"), "run": {}})
        if path == "/v1/embeddings":
            body = json.loads(request.content)
            inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
            data = [
                {"object": "embedding", "index": i, "embedding": [0.0] * 4}
                for i in range(len(inputs))
            ]
            return httpx.Response(
                200, json={"object": "list", "model": body["model"], "data": data,
                           "usage": {"prompt_tokens": 1, "total_tokens": 1}},
            )  # fmt: skip
        if path == "/v1/audio/transcriptions":
            return httpx.Response(
                200, json={"text": "ten bar"}, headers={"x-audio-duration-s": "1"}
            )
        if path == "/retrieve":
            return httpx.Response(200, json={"object": "list", "query": "", "documents": []})
        if path == "/ingest":
            return httpx.Response(
                200, json={"object": "ingest.result", "ingested": 0, "errors": 0, "results": []}
            )
        return httpx.Response(404, json={"error": {"message": "not here", "type": "x",
                                                   "param": None, "code": None}})  # fmt: skip


@contextmanager
def stand_in() -> Iterator[StandIn]:
    peer = StandIn()
    with serve_handler(peer.handler) as url:
        peer.url = url
        yield peer
