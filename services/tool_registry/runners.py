"""The three ways a tool runs: in-process (built-ins), in a worker process (dropped-in Python
plugins and third-party entry points) and as a program (YAML CLI manifests)."""

from __future__ import annotations

import asyncio
import math
import os
import shutil
import signal
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from services.tool_registry.definition import Outcome
from services.tool_registry.errors import ArgumentProblem, ArgumentsError, ToolTimeoutError
from services.tool_registry.functions import FunctionTool, jsonable
from services.tool_registry.isolation import TOOL_PATH, Limits, run_process
from services.tool_registry.manifest import Manifest, build_argv, build_stdin, check_arguments
from services.tool_registry.pool import WorkerCrashError, WorkerPool, WorkerTimeoutError

_TAIL = 4000


def _timeout(name: str, timeout_s: float, what: str = "and was stopped") -> ToolTimeoutError:
    return ToolTimeoutError(
        f"tool '{name}' did not finish within its limit of {timeout_s:g} s (timeout_s) {what}"
    )


def _failure(exc: BaseException) -> Outcome:
    return Outcome(f"{type(exc).__name__}: {exc}", is_error=True)


@dataclass(frozen=True)
class InProcessRunner:
    """A built-in: validated and called in the registry (on a thread, under the timeout)."""

    tool: FunctionTool
    kind: str = "builtin"

    async def run(self, arguments: dict[str, Any], timeout_s: float) -> Outcome:
        kwargs = self.tool.validate(arguments)
        try:
            result = await asyncio.wait_for(
                asyncio.to_thread(self.tool.function, **kwargs), timeout_s
            )
        except TimeoutError:
            # A thread cannot be killed: built-ins are ours and bounded; the caller stops waiting.
            raise _timeout(self.tool.name, timeout_s, "(no longer awaited)") from None
        except Exception as exc:  # noqa: BLE001 - the tool's failure is the model's to read
            return _failure(exc)
        try:
            return Outcome(jsonable(result))
        except Exception as exc:  # noqa: BLE001
            return Outcome(f"the result is not JSON-serialisable: {exc}", is_error=True)


@dataclass(frozen=True)
class WorkerRunner:
    """A dropped-in plugin's tool, run in a killable worker process."""

    pool: WorkerPool
    name: str
    source: Mapping[str, Any]
    kind: str = "python"

    async def run(self, arguments: dict[str, Any], timeout_s: float) -> Outcome:
        request = {
            "op": "call",
            "source": dict(self.source),
            "tool": self.name,
            "arguments": arguments,
            "cpu_s": math.ceil(timeout_s) + 1,
        }
        try:
            answer = await self.pool.request(request, timeout_s)
        except WorkerTimeoutError:
            raise _timeout(self.name, timeout_s) from None
        except WorkerCrashError as exc:
            return Outcome(str(exc), is_error=True)
        status = answer.get("status")
        if status == "invalid":
            problems = [ArgumentProblem(**p) for p in answer.get("errors", [])]
            raise ArgumentsError(self.name, problems)
        if status == "ok":
            return Outcome(answer.get("result"))
        return Outcome(str(answer.get("error", "the plugin failed")), is_error=True)


@dataclass(frozen=True)
class CliRunner:
    """A manifest's program: argv built from the arguments, run isolated (see isolation.py)."""

    manifest: Manifest
    variables: Mapping[str, str]
    default_max_output_bytes: int
    memory_bytes: int
    kind: str = "cli"

    def program(self) -> str:
        """argv[0] resolved on the tool's PATH. Raises FileNotFoundError naming it."""
        head = self.manifest.argv[0]
        path = head if os.sep in head else shutil.which(head, path=TOOL_PATH)
        if not path or not os.access(path, os.X_OK):
            raise FileNotFoundError(f"program {head!r} not found or not executable")
        return path

    async def run(self, arguments: dict[str, Any], timeout_s: float) -> Outcome:
        problems = check_arguments(self.manifest, arguments)
        if problems:
            raise ArgumentsError(self.manifest.name, problems)
        argv = build_argv(self.manifest, arguments)
        try:
            argv[0] = self.program()
        except FileNotFoundError as exc:
            return Outcome(str(exc), is_error=True)
        max_output = self.manifest.max_output_bytes or self.default_max_output_bytes
        limits = Limits(
            timeout_s=timeout_s,
            cpu_s=self.manifest.cpu_s or math.ceil(timeout_s) + 1,
            memory_bytes=(
                self.manifest.memory_mb * 1024 * 1024
                if self.manifest.memory_mb
                else self.memory_bytes
            ),
            max_output_bytes=max_output,
        )
        try:
            result = await run_process(
                argv,
                stdin=build_stdin(self.manifest, arguments),
                passthrough=self.manifest.env,
                variables=self.variables,
                limits=limits,
            )
        except OSError as exc:
            return Outcome(f"cannot start {argv[0]}: {exc}", is_error=True)
        if result.timed_out:
            raise _timeout(self.manifest.name, timeout_s)
        stdout = result.stdout.decode("utf-8", errors="replace")
        stderr = result.stderr.decode("utf-8", errors="replace")
        if result.output_exceeded:
            return Outcome(
                f"output exceeded max_output_bytes ({max_output}); the program was stopped",
                is_error=True,
            )
        if result.exit_code:
            return Outcome(self._exit_text(result.exit_code, stdout, stderr, limits), True)
        if self.manifest.output == "json":
            try:
                return Outcome(orjson.loads(result.stdout))
            except orjson.JSONDecodeError as exc:
                return Outcome(f"the program's output is not JSON ({exc}): {stdout[-_TAIL:]}", True)
        return Outcome(stdout)

    @staticmethod
    def _exit_text(code: int, stdout: str, stderr: str, limits: Limits) -> str:
        if code < 0:
            sig = signal.Signals(-code).name
            why = {
                "SIGXCPU": f" (CPU limit {limits.cpu_s} s)",
                "SIGKILL": " (killed)",
                "SIGSEGV": " (crashed; the memory limit may be too low)",
            }.get(sig, "")
            head = f"the program was stopped by {sig}{why}"
        else:
            head = f"the program exited with status {code}"
        detail = (stderr.strip() or stdout.strip())[-_TAIL:]
        return f"{head}: {detail}" if detail else head
