"""Run a graph's custom stream in its own task, so that a client disconnect stops it cleanly.

Starlette delivers a disconnect as anyio cancellation of the task that iterates the response.
If that cancellation lands inside LangGraph's stream, LangGraph's own cleanup is cancelled
with it and the node (and the LLM's generation) keeps running. Iterating in a separate
asyncio task and cancelling that task instead gives LangGraph an ordinary, one-shot
cancellation it handles fully. A bounded queue keeps the generation from running ahead.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

_END = object()


class GraphStream:
    """Args:
    events: the graph's ``astream``: custom items, or ``(mode, item)`` pairs when
        ``with_values`` (``stream_mode=["custom", "values"]``).
    with_values: keep the last full state and hand it to ``on_end`` when the run is over.
    """

    def __init__(
        self,
        events: AsyncIterator[Any],
        buffer: int = 64,
        *,
        with_values: bool = False,
        on_end: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self._queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=buffer)
        self._with_values = with_values
        self._on_end = on_end
        self._task = asyncio.create_task(self._pump(events), name="graph-stream")

    async def _pump(self, events: AsyncIterator[Any]) -> None:
        last: dict[str, Any] | None = None
        try:
            async for item in events:
                if self._with_values:
                    mode, item = item
                    if mode == "values":
                        last = item
                        continue
                await self._queue.put(item)
            if last is not None and self._on_end is not None:
                self._on_end(last)
            await self._queue.put(_END)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - handed to the reader, which raises it
            await self._queue.put(exc)
        finally:
            await events.aclose()  # type: ignore[attr-defined]

    async def next(self) -> Any:
        """The next item. Raises StopAsyncIteration at the end, or what the graph raised."""
        item = await self._queue.get()
        if item is _END:
            raise StopAsyncIteration
        if isinstance(item, Exception):
            raise item
        return item

    def __aiter__(self) -> GraphStream:
        return self

    async def __anext__(self) -> Any:
        return await self.next()

    def cancel(self) -> None:
        self._task.cancel()
