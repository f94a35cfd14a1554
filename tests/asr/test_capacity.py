"""Admission control: bounded running, bounded waiting, 503 with retry-after beyond."""

from __future__ import annotations

import asyncio
import threading

import pytest

from services.asr.capacity import AdmissionGate
from services.asr.errors import QueueFullError
from services.asr.pipeline import run_to_completion

pytestmark = pytest.mark.unit


async def test_bounded_running_and_waiting() -> None:
    gate = AdmissionGate(max_running=2, max_waiting=1, retry_after_s=7)
    release = asyncio.Event()
    peak = 0

    async def job() -> str:
        nonlocal peak
        async with gate.slot():
            peak = max(peak, gate.running)
            await release.wait()
        return "done"

    tasks = [asyncio.create_task(job()) for _ in range(3)]
    await asyncio.sleep(0)
    assert (gate.running, gate.waiting) == (2, 1)
    assert gate.full
    with pytest.raises(QueueFullError) as refused:
        async with gate.slot():
            pass
    assert refused.value.status_code == 503
    assert refused.value.headers == {"retry-after": "7"}
    assert "2 running, 1 waiting" in refused.value.message
    release.set()
    assert await asyncio.gather(*tasks) == ["done"] * 3
    assert peak == 2
    assert (gate.running, gate.waiting) == (0, 0)


async def test_cancelled_waiter_gives_its_place_back() -> None:
    gate = AdmissionGate(max_running=1, max_waiting=1, retry_after_s=1)
    hold = asyncio.Event()

    async def holder() -> None:
        async with gate.slot():
            await hold.wait()

    async def waiter() -> None:
        async with gate.slot():
            pass

    first = asyncio.create_task(holder())
    await asyncio.sleep(0)
    second = asyncio.create_task(waiter())
    await asyncio.sleep(0)
    assert gate.waiting == 1
    second.cancel()
    with pytest.raises(asyncio.CancelledError):
        await second
    assert gate.waiting == 0 and not gate.full
    hold.set()
    await first
    assert gate.running == 0


async def test_cancelled_request_keeps_its_slot_until_the_thread_ends() -> None:
    """A thread cannot be stopped: its slot must stay taken until it has finished."""
    gate = AdmissionGate(max_running=1, max_waiting=0, retry_after_s=1)
    release = threading.Event()
    finished = threading.Event()

    def work() -> str:
        release.wait(timeout=30)
        finished.set()
        return "transcript"

    entered = asyncio.Event()

    async def request() -> str:
        async with gate.slot():
            entered.set()
            return await run_to_completion(asyncio.to_thread(work))

    task = asyncio.create_task(request())
    await entered.wait()
    task.cancel()
    # However long we wait, the cancelled request holds its slot while its thread runs.
    done, _ = await asyncio.wait({task}, timeout=0.2)
    assert not done and gate.running == 1 and not finished.is_set()
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert finished.is_set()
    assert gate.running == 0
