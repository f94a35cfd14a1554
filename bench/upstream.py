"""A fast, deterministic OpenAI-compatible upstream for benchmarks and wire-format tests.

Pure ASGI on uvicorn (uvloop + httptools): it costs as little as an upstream can, so what a
benchmark measures on top of it is the path in front of it. Answers:

- ``GET /v1/models``, ``GET /health``
- ``POST /v1/chat/completions``: a fixed answer with usage; ``stream: true`` sends
  ``--chunks`` content chunks ``--gap-ms`` apart, then a usage chunk if asked. If the request
  carries ``tools``, the answer is two parallel tool calls (streamed as the delta rules say).

Run: ``python -m bench.upstream --port 9100 [--chunks 8] [--gap-ms 0]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

import uvicorn

MODEL = "bench-model"
WORDS = ["Yield ", "strength ", "of ", "316L ", "is ", "about ", "170 ", "MPa."]


def _chunk(cid: str, delta: dict[str, Any], finish: str | None = None) -> bytes:
    payload = {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": MODEL,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


def _tool_calls() -> list[dict[str, Any]]:
    return [
        {"id": "call_a", "type": "function",
         "function": {"name": "convert_units", "arguments": '{"value": 3, "unit": "bar"}'}},
        {"id": "call_b", "type": "function",
         "function": {"name": "lookup_material", "arguments": '{"grade": "316L"}'}},
    ]  # fmt: skip


class Upstream:
    def __init__(self, chunks: int, gap_s: float) -> None:
        self.chunks = chunks
        self.gap_s = gap_s
        self.counter = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        path = scope["path"]
        if scope["method"] == "GET" and path in ("/health", "/v1/models"):
            body = {"object": "list", "data": [{"id": MODEL, "object": "model", "created": 0,
                                                "owned_by": "bench"}]}  # fmt: skip
            await self._json(send, 200, body if path == "/v1/models" else {"status": "ok"})
            return
        if scope["method"] != "POST" or path != "/v1/chat/completions":
            await self._json(send, 404, {"error": {"message": "not found", "type": "x"}})
            return
        raw = b""
        while True:
            message = await receive()
            raw += message.get("body", b"")
            if not message.get("more_body"):
                break
        request = json.loads(raw)
        self.counter += 1
        cid = f"chatcmpl-up{self.counter}"
        if request.get("stream"):
            await self._stream(send, cid, request)
        else:
            await self._json(send, 200, self._completion(cid, request))

    def _completion(self, cid: str, request: dict[str, Any]) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": "".join(WORDS)}
        finish = "stop"
        if request.get("tools"):
            message = {"role": "assistant", "content": None, "tool_calls": _tool_calls()}
            finish = "tool_calls"
        return {
            "id": cid, "object": "chat.completion", "created": 1700000000, "model": MODEL,
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {"prompt_tokens": 12, "completion_tokens": len(WORDS),
                      "total_tokens": 12 + len(WORDS)},
        }  # fmt: skip

    async def _stream(self, send: Any, cid: str, request: dict[str, Any]) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/event-stream")]})  # fmt: skip

        async def emit(data: bytes) -> None:
            await send({"type": "http.response.body", "body": data, "more_body": True})

        await emit(_chunk(cid, {"role": "assistant", "content": ""}))
        if request.get("tools"):
            for index, call in enumerate(_tool_calls()):
                name = call["function"]["name"]
                head = {"index": index, "id": call["id"], "type": "function",
                        "function": {"name": name, "arguments": ""}}  # fmt: skip
                await emit(_chunk(cid, {"tool_calls": [head]}))
                args = call["function"]["arguments"]
                for part in (args[: len(args) // 2], args[len(args) // 2 :]):
                    await emit(
                        _chunk(
                            cid, {"tool_calls": [{"index": index, "function": {"arguments": part}}]}
                        )
                    )
            await emit(_chunk(cid, {}, "tool_calls"))
        else:
            for i in range(self.chunks):
                if self.gap_s:
                    await asyncio.sleep(self.gap_s)
                await emit(_chunk(cid, {"content": WORDS[i % len(WORDS)]}))
            await emit(_chunk(cid, {}, "stop"))
        if (request.get("stream_options") or {}).get("include_usage"):
            usage = {"id": cid, "object": "chat.completion.chunk", "created": 1700000000,
                     "model": MODEL, "choices": [],
                     "usage": {"prompt_tokens": 12, "completion_tokens": self.chunks,
                               "total_tokens": 12 + self.chunks}}  # fmt: skip
            await emit(b"data: " + json.dumps(usage).encode() + b"\n\n")
        await send({"type": "http.response.body", "body": b"data: [DONE]\n\n", "more_body": False})

    @staticmethod
    async def _json(send: Any, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(data)).encode())]})  # fmt: skip
        await send({"type": "http.response.body", "body": data})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--chunks", type=int, default=8)
    parser.add_argument("--gap-ms", type=float, default=0.0)
    args = parser.parse_args()
    uvicorn.run(
        Upstream(args.chunks, args.gap_ms / 1000), host="127.0.0.1", port=args.port,
        loop="uvloop", http="httptools", log_level="warning", access_log=False,
    )  # fmt: skip


if __name__ == "__main__":
    main()
