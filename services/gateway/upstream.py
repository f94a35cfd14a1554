"""Calls from the gateway to the orchestrator, with its failures mapped onto the error tree."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import orjson

from services.kit.errors import (
    ServiceError,
    UpstreamError,
    UpstreamTimeoutError,
    UpstreamUnavailableError,
)
from services.kit.sse import aclose_shielded


class UpstreamStatusError(ServiceError):
    """The orchestrator answered with an error: pass its status and OpenAI body through."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        err = body["error"]
        super().__init__(str(err.get("message", "")), param=err.get("param"), code=err.get("code"))
        self.status_code = status
        self.error_type = str(err.get("type", "server_error"))


def _status_error(response: httpx.Response, content: bytes) -> ServiceError:
    try:
        body = orjson.loads(content)
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            return UpstreamStatusError(response.status_code, body)
    except orjson.JSONDecodeError:
        pass
    return UpstreamError(f"the orchestrator answered {response.status_code} without an error body")


class Orchestrator:
    """The orchestrator as seen from the gateway."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def ping(self) -> None:
        response = await self.client.get("/health")
        response.raise_for_status()

    async def chat(self, payload: dict[str, Any]) -> bytes:
        """Non-streamed completion: the orchestrator's JSON body."""
        with _mapped_transport_errors(self.client):
            response = await self.client.post(
                "/v1/chat/completions",
                content=orjson.dumps(payload),
                headers={"content-type": "application/json"},
            )
        if response.status_code != 200:
            raise _status_error(response, response.content)
        return response.content

    async def open_stream(self, payload: dict[str, Any]) -> httpx.Response:
        """Start a streamed completion; raises before returning if the orchestrator refuses."""
        request = self.client.build_request(
            "POST",
            "/v1/chat/completions",
            content=orjson.dumps(payload),
            headers={"content-type": "application/json", "accept": "text/event-stream"},
        )
        with _mapped_transport_errors(self.client):
            response = await self.client.send(request, stream=True)
        if response.status_code != 200:
            content = await response.aread()
            await response.aclose()
            raise _status_error(response, content)
        return response


async def relay(response: httpx.Response) -> AsyncIterator[bytes]:
    """Pass SSE bytes through as they arrive; close the upstream when the client goes away."""
    try:
        async for piece in response.aiter_bytes():
            yield piece
    except httpx.HTTPError as exc:
        yield (
            b"data: "
            + orjson.dumps(UpstreamError(f"the orchestrator stream broke: {exc}").body())
            + b"\n\n"
        )
    finally:
        await aclose_shielded(response)


@contextmanager
def _mapped_transport_errors(client: httpx.AsyncClient) -> Iterator[None]:
    where = f"the orchestrator at {client.base_url}"
    try:
        yield
    except httpx.TimeoutException:
        raise UpstreamTimeoutError(f"{where} did not answer in time") from None
    except httpx.TransportError as exc:
        raise UpstreamUnavailableError(
            f"{where} is unreachable ({type(exc).__name__}); is it running?"
        ) from None
