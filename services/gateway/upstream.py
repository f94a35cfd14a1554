"""Calls from the gateway to the orchestrator, with its failures mapped onto the error tree."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import orjson

from services.kit.errors import ServiceError, UpstreamError
from services.kit.peer import JSON_HEADERS, PeerClient, iter_chunks, read_body

_STREAM_HEADERS = {**JSON_HEADERS, "accept": "text/event-stream"}


class UpstreamStatusError(ServiceError):
    """The orchestrator answered with an error: pass its status and OpenAI body through."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        err = body["error"]
        super().__init__(str(err.get("message", "")), param=err.get("param"), code=err.get("code"))
        self.status_code = status
        self.error_type = str(err.get("type", "server_error"))


def _status_error(status: int, content: bytes) -> ServiceError:
    try:
        body = orjson.loads(content)
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            return UpstreamStatusError(status, body)
    except orjson.JSONDecodeError:
        pass
    return UpstreamError(f"the orchestrator answered {status} without an error body")


class Orchestrator:
    """The orchestrator as seen from the gateway."""

    def __init__(self, client: PeerClient) -> None:
        self.client = client

    async def ping(self) -> None:
        response = await self.client.fetch("GET", "/health")
        if response.status != 200:
            raise UpstreamError(f"{self.client.where} answered {response.status} on /health")

    async def chat(self, payload: dict[str, Any]) -> bytes:
        """Non-streamed completion: the orchestrator's JSON body."""
        response = await self.client.post_json("/v1/chat/completions", orjson.dumps(payload))
        if response.status != 200:
            raise _status_error(response.status, response.content)
        return response.content

    async def open_stream(self, payload: dict[str, Any]) -> aiohttp.ClientResponse:
        """Start a streamed completion; raises before returning if the orchestrator refuses."""
        response = await self.client.send(
            "POST", "/v1/chat/completions", body=orjson.dumps(payload), headers=_STREAM_HEADERS
        )
        if response.status != 200:
            try:
                content = await read_body(response, self.client.where)
            finally:
                response.release()
            raise _status_error(response.status, content)
        return response

    async def relay(self, response: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
        """Pass SSE bytes through as they arrive; drop the connection if the client goes away
        (the orchestrator sees the disconnect and cancels the generation)."""
        try:
            async for piece in iter_chunks(response, self.client.where):
                yield piece
        except ServiceError as exc:
            message = f"the orchestrator stream broke: {exc.message}"
            yield b"data: " + orjson.dumps(UpstreamError(message).body()) + b"\n\n"
        finally:
            response.close()
