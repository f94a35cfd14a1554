"""Admission control: a few transcriptions run, a bounded number wait, the rest get 503.

CPU-bound work cannot go faster by accepting more of it; an unbounded queue only turns overload
into timeouts and memory growth. So: ``max_running`` slots, ``max_waiting`` places in line, and a
``QueueFullError`` (503 with retry-after, which OpenAI clients honour) beyond that.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from services.asr.errors import QueueFullError


class AdmissionGate:
    """Bounded concurrency plus a bounded wait queue, for one event loop.

    Args:
        max_running: transcriptions allowed at once.
        max_waiting: requests allowed to wait for a slot.
        retry_after_s: what a refused client is told to wait.
    """

    def __init__(self, max_running: int, max_waiting: int, retry_after_s: int) -> None:
        self.max_running = max_running
        self.max_waiting = max_waiting
        self.retry_after_s = retry_after_s
        self._slots = asyncio.Semaphore(max_running)
        self.running = 0
        self.waiting = 0

    @property
    def full(self) -> bool:
        return self.running + self.waiting >= self.max_running + self.max_waiting

    def check(self) -> None:
        """Refuse early (before reading an upload) when there is no room.

        Raises:
            QueueFullError: every slot and every place in line is taken.
        """
        if self.full:
            raise QueueFullError(
                f"the transcription queue is full ({self.running} running, {self.waiting} "
                f"waiting); retry in {self.retry_after_s} s",
                headers={"retry-after": str(self.retry_after_s)},
            )

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold a slot for the body of the ``async with``; wait in line if needed.

        Raises:
            QueueFullError: no slot and no place in line.
        """
        self.check()
        self.waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self.waiting -= 1
        self.running += 1
        try:
            yield
        finally:
            self.running -= 1
            self._slots.release()
