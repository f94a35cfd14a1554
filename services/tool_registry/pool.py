"""A pool of worker processes (``services.tool_registry.worker``) for dropped-in Python plugins.

Each worker runs one request at a time. A request that outlives its timeout gets its worker
killed (the whole process group, SIGKILL) and replaced; the pool keeps ``size`` workers warm and
grows up to ``max_size`` while all are busy, so one runaway plugin never blocks the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

import services
from services.kit.logging import get_logger
from services.tool_registry.isolation import child_setup, kill_group, scrubbed_env

log = get_logger(__name__)

_PROJECT_ROOT = str(Path(services.__file__).resolve().parents[1])


class WorkerTimeoutError(Exception):
    """The request did not finish in time; its worker was killed."""


class WorkerCrashError(Exception):
    """The worker died while handling the request (a crash, a limit, os._exit)."""


class Worker:
    def __init__(self, proc: asyncio.subprocess.Process, home: tempfile.TemporaryDirectory[str]):
        self.proc = proc
        self.home = home
        self.pid = proc.pid
        self._stderr_task = asyncio.ensure_future(self._forward_stderr())

    @property
    def alive(self) -> bool:
        return self.proc.returncode is None

    async def _forward_stderr(self) -> None:
        # What plugins print lands in the registry's log, one record per line.
        assert self.proc.stderr is not None
        while line := await self.proc.stderr.readline():
            log.info("plugin output", worker=self.pid, line=line.decode(errors="replace").rstrip())

    async def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(orjson.dumps(request) + b"\n")
        await self.proc.stdin.drain()
        line = await self.proc.stdout.readline()
        if not line:
            code = await self.proc.wait()
            raise WorkerCrashError(f"the plugin's worker process exited (status {code})")
        return orjson.loads(line)

    async def kill(self) -> None:
        kill_group(self.pid)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.proc.wait(), 5)
        self._stderr_task.cancel()
        self.home.cleanup()


class WorkerPool:
    """Args:
    size: workers kept warm. max_size: the most alive at once.
    memory_mb: address-space limit of each worker. max_message_bytes: largest answer.
    """

    def __init__(
        self,
        *,
        size: int,
        max_size: int,
        memory_mb: int,
        max_message_bytes: int,
        start_timeout_s: float = 60.0,
    ) -> None:
        self.size = size
        self.max_size = max(size, max_size)
        self.memory_mb = memory_mb
        self.max_message_bytes = max_message_bytes
        self.start_timeout_s = start_timeout_s
        self._idle: asyncio.Queue[Worker] = asyncio.Queue()
        self._count = 0  # alive or starting
        self._closed = False
        self._spawning: set[asyncio.Task[None]] = set()
        self.replaced = 0

    async def start(self) -> None:
        """Start the warm workers. Raises RuntimeError when one cannot start."""
        self._count += self.size
        workers = await asyncio.gather(*(self._spawn() for _ in range(self.size)))
        for worker in workers:
            self._idle.put_nowait(worker)
        log.info("plugin workers ready", workers=self.size, pids=[w.pid for w in workers])

    async def _spawn(self) -> Worker:
        home = tempfile.TemporaryDirectory(prefix="aistack-worker-", ignore_cleanup_errors=True)
        env = scrubbed_env((), {}, home.name)
        env.update(PYTHONPATH=_PROJECT_ROOT, PYTHONDONTWRITEBYTECODE="1", PYTHONUNBUFFERED="1")
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "services.tool_registry.worker",
            "--memory-mb",
            str(self.memory_mb),
            "--max-output-bytes",
            str(self.max_message_bytes),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=home.name,
            env=env,
            start_new_session=True,
            preexec_fn=child_setup(),
            limit=self.max_message_bytes + 4096,
        )
        worker = Worker(proc, home)
        assert proc.stdout is not None
        try:
            line = await asyncio.wait_for(proc.stdout.readline(), self.start_timeout_s)
            if not orjson.loads(line or b"{}").get("ready"):
                raise RuntimeError(f"plugin worker did not start (status {proc.returncode})")
        except BaseException:
            await worker.kill()
            raise
        return worker

    def _grow(self) -> None:
        self._count += 1

        async def spawn() -> None:
            try:
                worker = await self._spawn()
            except Exception as exc:  # noqa: BLE001 - logged; the waiting request times out
                self._count -= 1
                log.error("plugin worker failed to start", error=str(exc))
                return
            if self._closed:
                await worker.kill()
                return
            self._idle.put_nowait(worker)

        self._background(spawn())

    async def _acquire(self, deadline: float) -> Worker:
        while True:
            if self._idle.empty() and self._count < self.max_size:
                self._grow()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            worker = await asyncio.wait_for(self._idle.get(), remaining)
            if worker.alive:
                return worker
            # Died while idle: drop it and keep the pool at strength.
            self._count -= 1
            await worker.kill()

    def _background(self, coroutine: Any) -> None:
        # Keep a reference: the loop holds tasks only weakly.
        task = asyncio.ensure_future(coroutine)
        self._spawning.add(task)
        task.add_done_callback(self._spawning.discard)

    def _release(self, worker: Worker) -> None:
        if self._closed:
            self._background(worker.kill())
            return
        if self._count > self.size and self._idle.qsize() >= self.size:
            self._count -= 1
            self._background(worker.kill())  # surplus from a busy spell
            return
        self._idle.put_nowait(worker)

    async def _retire(self, worker: Worker) -> None:
        self._count -= 1
        self.replaced += 1
        await worker.kill()
        if not self._closed and self._count < self.size:
            self._grow()

    async def request(self, request: dict[str, Any], timeout_s: float) -> dict[str, Any]:
        """Send ``request`` to a free worker and return its answer.

        Raises:
            WorkerTimeoutError: no answer within ``timeout_s`` (waiting for a worker included);
                the worker was killed and is being replaced.
            WorkerCrashError: the worker died while answering.
        """
        deadline = time.monotonic() + timeout_s
        try:
            worker = await self._acquire(deadline)
        except TimeoutError:
            raise WorkerTimeoutError("no plugin worker became free in time") from None
        try:
            answer = await asyncio.wait_for(worker.ask(request), deadline - time.monotonic())
        except TimeoutError:
            log.warning("plugin worker killed at timeout", worker=worker.pid, timeout_s=timeout_s)
            await self._retire(worker)
            raise WorkerTimeoutError(f"no answer within {timeout_s:g} s") from None
        except (WorkerCrashError, ConnectionError, OSError, ValueError) as exc:
            await self._retire(worker)
            raise WorkerCrashError(str(exc)) from None
        except BaseException:
            # Cancelled mid-request (the client went away): the worker's state is unknown.
            await asyncio.shield(self._retire(worker))
            raise
        self._release(worker)
        return answer

    def check(self) -> None:
        """Readiness: raises RuntimeError when no worker is alive or starting."""
        if self._count <= 0:
            raise RuntimeError("no plugin worker is running")

    async def close(self) -> None:
        self._closed = True
        for task in list(self._spawning):
            task.cancel()
        while not self._idle.empty():
            await self._idle.get_nowait().kill()
