"""SSE relay from the orchestrator, with keep-alive comments while it works on the first token."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from services.gateway.upstream import Orchestrator
from services.kit.errors import ServiceError
from services.kit.peer import PeerStream
from services.kit.sse import KEEPALIVE, sse_event


async def keepalive_then_relay(
    orchestrator: Orchestrator, opening: asyncio.Task[PeerStream], interval_s: float
) -> AsyncIterator[bytes]:
    """Send ``: keep-alive`` every ``interval_s`` until the orchestrator answers, then relay.

    The response status is already 200 here, so a failure to open travels in-band as an
    error event. If the client leaves, the pending request is cancelled.
    """
    relaying = False
    try:
        while True:
            done, _ = await asyncio.wait({opening}, timeout=interval_s)
            if done:
                break
            yield KEEPALIVE
        try:
            upstream = opening.result()
        except ServiceError as exc:
            yield sse_event(exc.body())
            return
        relaying = True
        async for piece in orchestrator.relay(upstream):
            yield piece
    finally:
        if not opening.done():
            opening.cancel()
        elif not relaying and not opening.cancelled() and opening.exception() is None:
            # Opened just as the client left: nobody will read it.
            with contextlib.suppress(Exception):
                opening.result().close()
