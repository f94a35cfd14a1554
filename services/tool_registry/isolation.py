"""Run one tool program the way untrusted input deserves: an argv list (never a shell), a fresh
temporary working directory, a scrubbed environment, resource limits, a kill at the timeout.

Limits are set in the child before it executes the program (``resource.setrlimit``): CPU
seconds, address space, size of any file it writes, no core dumps. The child leads its own
process group, so a timeout or an output overflow kills everything it started.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import resource
import signal
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

# The only variables a tool sees unless its manifest passes more through.
TOOL_PATH = "/usr/local/bin:/usr/bin:/bin"
_READ_CHUNK = 65536


@dataclass(frozen=True)
class Limits:
    timeout_s: float
    cpu_s: int
    memory_bytes: int
    max_output_bytes: int
    max_file_bytes: int = 64 * 1024 * 1024


@dataclass(frozen=True)
class ProcessResult:
    exit_code: int | None
    stdout: bytes
    stderr: bytes
    timed_out: bool = False
    output_exceeded: bool = False


def scrubbed_env(
    passthrough: Iterable[str], variables: Mapping[str, str], home: str
) -> dict[str, str]:
    """A minimal environment: PATH, HOME/TMPDIR (the temp dir), a UTF-8 locale, and only the
    named ones from ``variables`` (the registry's own)."""
    env = {"PATH": TOOL_PATH, "HOME": home, "TMPDIR": home, "LANG": "C.UTF-8"}
    for name in passthrough:
        if name in variables:
            env[name] = variables[name]
    return env


def _limit(kind: int, value: int) -> None:
    _, hard = resource.getrlimit(kind)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(kind, (value, value if hard == resource.RLIM_INFINITY else hard))


def apply_limits(cpu_s: int, memory_bytes: int, max_file_bytes: int) -> None:
    """Set the limits of the calling process (in a child, before exec)."""
    _limit(resource.RLIMIT_CPU, cpu_s)
    _limit(resource.RLIMIT_AS, memory_bytes)
    _limit(resource.RLIMIT_FSIZE, max_file_bytes)
    _limit(resource.RLIMIT_CORE, 0)


_PR_SET_PDEATHSIG = 1


@lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL | None:
    # Looked up before any fork: the child must not load libraries between fork and exec.
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def die_with_parent() -> None:
    """In a child before exec: SIGKILL when the registry dies, so no tool outlives it (Linux)."""
    libc = _libc()
    if libc is not None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def child_setup(limits: Limits | None = None) -> Callable[[], None]:
    """The ``preexec_fn`` for a tool process: dies with the registry, runs under ``limits``."""
    _libc()

    def setup() -> None:
        die_with_parent()
        if limits is not None:
            apply_limits(limits.cpu_s, limits.memory_bytes, limits.max_file_bytes)

    return setup


def kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


async def _read_capped(stream: asyncio.StreamReader, cap: int, overflow: asyncio.Event) -> bytes:
    """Up to ``cap`` bytes; past it, ``overflow`` is set and the rest is read and dropped until
    the (then killed) program's pipe closes, so that its transport finishes cleanly."""
    chunks, size = [], 0
    while chunk := await stream.read(_READ_CHUNK):
        if size < cap:
            chunks.append(chunk[: cap - size])
        size += len(chunk)
        if size > cap:
            overflow.set()
    return b"".join(chunks)


async def _feed(stdin: asyncio.StreamWriter | None, data: bytes | None) -> None:
    if stdin is None:
        return
    # A program that exits without reading its input is not an error of ours.
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        if data:
            stdin.write(data)
            await stdin.drain()
        stdin.close()
        await stdin.wait_closed()


async def run_process(
    argv: list[str],
    *,
    stdin: bytes | None,
    passthrough: Iterable[str],
    variables: Mapping[str, str],
    limits: Limits,
) -> ProcessResult:
    """Run ``argv`` in a fresh temp dir under ``limits``; the dir is removed afterwards.

    Raises:
        OSError: the program cannot be started (not found, not executable).
    """
    with tempfile.TemporaryDirectory(prefix="aistack-tool-", ignore_cleanup_errors=True) as cwd:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=cwd,
            env=scrubbed_env(passthrough, variables, cwd),
            start_new_session=True,
            close_fds=True,
            preexec_fn=child_setup(limits),
        )
        assert proc.stdout is not None and proc.stderr is not None
        overflow = asyncio.Event()
        out = asyncio.ensure_future(_read_capped(proc.stdout, limits.max_output_bytes, overflow))
        err = asyncio.ensure_future(_read_capped(proc.stderr, limits.max_output_bytes, overflow))
        feed = asyncio.ensure_future(_feed(proc.stdin, stdin))
        watch = asyncio.ensure_future(overflow.wait())
        done_reading = asyncio.gather(out, err, feed)
        timed_out = False
        try:
            finished, _ = await asyncio.wait(
                {done_reading, watch},
                timeout=limits.timeout_s,
                return_when=asyncio.FIRST_COMPLETED,
            )
            if not finished:
                timed_out = True
            if timed_out or overflow.is_set():
                kill_group(proc.pid)
            try:
                await asyncio.wait_for(asyncio.shield(done_reading), 5)
            except TimeoutError:
                # A descendant that left the process group still holds the pipes.
                done_reading.cancel()
            code = await asyncio.wait_for(proc.wait(), 5)
        finally:
            watch.cancel()
            if proc.returncode is None:
                kill_group(proc.pid)
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(proc.wait(), 5)
            else:
                # The program is gone; anything it left running in its group goes too.
                kill_group(proc.pid)
        return ProcessResult(
            exit_code=None if timed_out else code,
            stdout=out.result() if out.done() and not out.cancelled() else b"",
            stderr=err.result() if err.done() and not err.cancelled() else b"",
            timed_out=timed_out,
            output_exceeded=overflow.is_set(),
        )
