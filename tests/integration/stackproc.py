"""Drive the real local stack (`aistack up`) as a user would: a subprocess on free ports."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from tests.conftest import free_port

BIN = Path(sys.executable).parent
AISTACK = str(BIN / "aistack")


@dataclass
class Stack:
    home: Path
    env: dict[str, str]
    proc: subprocess.Popen[bytes]
    output: Path
    gateway_port: int
    orch_port: int
    llama_port: int

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}/v1"

    @property
    def key(self) -> str:
        return (self.home / "dev-api-key").read_text().strip()

    @property
    def service_headers(self) -> dict[str, str]:
        """What the stack's own services send each other (internal ports refuse others)."""
        token = (self.home / "service-token").read_text().strip()
        return {"Authorization": f"Bearer {token}"}

    def state(self) -> dict[str, Any]:
        return json.loads((self.home / "stack.json").read_text())

    def pids(self) -> dict[str, int]:
        return {c["name"]: c["pid"] for c in self.state()["components"]}

    def log_records(self, service: str) -> list[dict[str, Any]]:
        records = []
        for line in (self.home / "logs" / f"{service}.log").read_text().splitlines():
            if line.startswith("{"):
                records.append(json.loads(line))
        return records

    def cli(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return aistack(self.env, self.home.parent, *args, timeout=timeout)


def aistack(
    env: dict[str, str], cwd: Path, *args: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run the CLI as a user would and capture what it prints."""
    return subprocess.run(
        [AISTACK, *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def stack_env(home: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        AISTACK_HOME=str(home),
        GATEWAY_PORT=str(free_port()),
        ORCH_PORT=str(free_port()),
        LLAMACPP_PORT=str(free_port()),
        ASR_PORT=str(free_port()),
        RAG_PORT=str(free_port()),
        TOOLS_PORT=str(free_port()),
        MCP_PORT=str(free_port()),
        LLAMACPP_CTX_SIZE="2048",
        STARTUP_TIMEOUT_S="240",
        **extra,
    )
    # The MCP servers load their baseline corpora into rag-api on first start; stack tests
    # that assert which passage their own document yields would compete with them, so only
    # tests that ask for it (tests/mcp/test_stack.py) turn it on.
    env.setdefault("MCP_INGEST_ON_START", "false")
    return env


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def start_stack(
    workdir: Path, timeout_s: float = 240, *, sigint_ignored: bool = False, **extra_env: str
) -> Stack:
    """``aistack up`` in the background, returned once it reports ready. ``sigint_ignored``
    starts it the way a non-interactive shell starts a background job (SIGINT set to SIG_IGN,
    which Python would otherwise keep)."""
    home = workdir / ".aistack"
    env = stack_env(home, **extra_env)
    output = workdir / "aistack-up.out"
    with output.open("wb") as out:
        proc = subprocess.Popen(
            [AISTACK, "up"], env=env, cwd=workdir, stdout=out, stderr=subprocess.STDOUT,
            preexec_fn=_ignore_sigint if sigint_ignored else None,
        )  # fmt: skip
    stack = Stack(
        home,
        env,
        proc,
        output,
        int(env["GATEWAY_PORT"]),
        int(env["ORCH_PORT"]),
        int(env["LLAMACPP_PORT"]),
    )
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"aistack up exited {proc.returncode}:\n{output.read_text()}")
        state_file = home / "stack.json"
        if state_file.exists() and "gateway_url" in state_file.read_text():
            return stack
        time.sleep(0.25)
    stop(stack)
    raise AssertionError(f"stack not ready in {timeout_s}s:\n{output.read_text()}")


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def wait_gone(pids: list[int], timeout_s: float = 30) -> list[int]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        left = [p for p in pids if alive(p)]
        if not left:
            return []
        time.sleep(0.1)
    return [p for p in pids if alive(p)]


def stop(stack: Stack) -> None:
    """Last-resort cleanup for fixtures: never leave processes behind, whatever happened."""
    if stack.proc.poll() is None:
        stack.proc.send_signal(signal.SIGTERM)
        try:
            stack.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            stack.proc.kill()
    stack.cli("down")


def wait_until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what} (waited {timeout_s:g}s)")
