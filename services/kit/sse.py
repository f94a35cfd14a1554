"""Server-sent events in the OpenAI streaming dialect."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
import orjson
from starlette.responses import StreamingResponse
from starlette.types import Send

DONE = b"data: [DONE]\n\n"
KEEPALIVE = b": keep-alive\n\n"

# Proxies (nginx, Traefik with buffering middlewares) must pass every chunk on at once.
SSE_HEADERS = {
    "Cache-Control": "no-cache",
    "X-Accel-Buffering": "no",
    "Connection": "keep-alive",
}


def sse_event(payload: dict[str, Any]) -> bytes:
    return b"data: " + orjson.dumps(payload) + b"\n\n"


async def aclose_shielded(resource: Any) -> None:
    """``await resource.aclose()`` even inside a cancelled scope.

    Client disconnects arrive as anyio cancellation, which re-raises at every await in the
    cancelled scope: an unshielded close would be cancelled itself and leave the upstream
    (and the LLM's generation) running.
    """
    with anyio.CancelScope(shield=True):
        await resource.aclose()


class EventStreamResponse(StreamingResponse):
    """An SSE response that always closes its body iterator.

    Starlette abandons the iterator when the client disconnects; an abandoned generator keeps
    whatever it drives (an upstream stream, a LangGraph run, the LLM's generation) alive until
    garbage collection. Closing it at once, shielded from the cancellation that is under way,
    lets each hop release its upstream immediately.
    """

    def __init__(self, content: AsyncIterator[bytes], status_code: int = 200) -> None:
        super().__init__(
            content, status_code=status_code, media_type="text/event-stream", headers=SSE_HEADERS
        )

    async def stream_response(self, send: Send) -> None:
        try:
            await super().stream_response(send)
        finally:
            if hasattr(self.body_iterator, "aclose"):
                await aclose_shielded(self.body_iterator)
