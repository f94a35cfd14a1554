"""Calls from the gateway to the orchestrator.

The orchestrator speaks the kit's error form, so its error answers are relayed as they are
(status, type, code, message): a 404 for an unknown model stays a 404 for the client.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import orjson

from services.kit.errors import ServiceError, UpstreamError
from services.kit.peer import JSON_HEADERS, PeerClient, PeerStream

_STREAM_HEADERS = {**JSON_HEADERS, "accept": "text/event-stream"}
# Which key's run a chat is (the orchestrator keeps the last run per key for /debug/last).
KEY_HEADER = "x-aistack-key-name"


class Orchestrator:
    """The orchestrator as seen from the gateway."""

    def __init__(self, client: PeerClient) -> None:
        self.client = client

    async def ping(self) -> None:
        response = await self.client.get("/health")
        if response.status != 200:
            raise UpstreamError(f"{self.client.peer} answered {response.status} on /health")

    async def chat(self, payload: dict[str, Any], key_name: str) -> bytes:
        """Non-streamed completion: the orchestrator's JSON body."""
        response = await self.client.post(
            "/v1/chat/completions",
            body=orjson.dumps(payload),
            headers={**JSON_HEADERS, KEY_HEADER: key_name},
        )
        return response.raise_for_status(relay=True).content

    async def open_stream(self, payload: dict[str, Any], key_name: str) -> PeerStream:
        """Start a streamed completion; raises before returning if the orchestrator refuses."""
        stream = await self.client.open(
            "POST",
            "/v1/chat/completions",
            body=orjson.dumps(payload),
            headers={**_STREAM_HEADERS, KEY_HEADER: key_name},
        )
        return await stream.raise_for_status(relay=True)

    async def last_run(self, key_name: str) -> bytes:
        """The orchestrator's record of this key's last run (its GET /debug/last)."""
        response = await self.client.get(f"/debug/last?key={quote(key_name, safe='')}")
        return response.raise_for_status(relay=True).content

    async def relay(self, stream: PeerStream) -> AsyncIterator[bytes]:
        """Pass SSE bytes through as they arrive; drop the connection if the client goes away
        (the orchestrator sees the disconnect and cancels the generation)."""
        try:
            async for piece in stream.chunks():
                yield piece
        except ServiceError as exc:
            message = f"the orchestrator stream broke: {exc.message}"
            yield b"data: " + orjson.dumps(UpstreamError(message).body()) + b"\n\n"
        finally:
            stream.close()
