"""Start, watch and stop the local stack's processes.

Each component runs in its own session (so a Ctrl-C in the terminal reaches only the
supervisor, which then stops the services front door first) and is told by the kernel to exit
if the supervisor dies (``PR_SET_PDEATHSIG``), so even a ``kill -9`` leaves no orphan. The state
file lets ``aistack status`` and ``aistack down`` find a stack started in another terminal.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from services.cli.components import Component

STATE_FILE = "stack.json"
STOP_GRACE_S = 15.0


class StackError(RuntimeError):
    """The stack cannot start or keep running; the message says what to do."""


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


def port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


@dataclass
class Running:
    component: Component
    process: subprocess.Popen[bytes]
    log_path: Path
    restarts: int = 0
    started_at: float = field(default_factory=time.monotonic)


class Supervisor:
    def __init__(self, components: list[Component], env: dict[str, str], home: Path) -> None:
        self.components = components
        self.env = env
        self.home = home
        self.log_dir = home / "logs"
        self.running: dict[str, Running] = {}

    # -- starting ---------------------------------------------------------------------------
    def check_ports(self, host: str) -> None:
        busy = [c for c in self.components if port_in_use(host, c.port)]
        if busy:
            lines = ", ".join(f"{c.name} needs {host}:{c.port} ({c.port_variable})" for c in busy)
            raise StackError(
                f"port already in use: {lines}. Stop what holds it (`aistack down` if it is an "
                f"earlier stack) or set the variable to a free port."
            )

    def start_all(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for component in self.components:
            self.running[component.name] = self._spawn(component)
        self.write_state()

    def _spawn(self, component: Component, restarts: int = 0) -> Running:
        log_path = self.log_dir / f"{component.name}.log"
        with log_path.open("ab") as log:
            process = subprocess.Popen(  # noqa: S603 - argv list from our own component table
                component.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**self.env, **component.env},
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        return Running(component, process, log_path, restarts)

    # -- watching ---------------------------------------------------------------------------
    def exited(self) -> list[Running]:
        return [r for r in self.running.values() if r.process.poll() is not None]

    def restart(self, running: Running, max_restarts: int) -> Running:
        """Start a crashed component again, or raise once it has crashed too often."""
        if running.restarts >= max_restarts:
            raise StackError(
                f"{running.component.name} exited with status {running.process.returncode} "
                f"{running.restarts + 1} times; see {running.log_path}"
            )
        time.sleep(min(2**running.restarts, 8))
        again = self._spawn(running.component, running.restarts + 1)
        self.running[running.component.name] = again
        self.write_state()
        return again

    # -- stopping ---------------------------------------------------------------------------
    def stop_all(self, grace_s: float = STOP_GRACE_S) -> None:
        """SIGTERM front door first, wait, then SIGKILL whatever is left."""
        for running in reversed(list(self.running.values())):
            if running.process.poll() is None:
                running.process.terminate()
        deadline = time.monotonic() + grace_s
        for running in self.running.values():
            remaining = max(0.0, deadline - time.monotonic())
            try:
                running.process.wait(timeout=remaining)
            except subprocess.TimeoutExpired:
                running.process.kill()
                running.process.wait()
        self.clear_state()

    # -- state file -------------------------------------------------------------------------
    @property
    def state_path(self) -> Path:
        return self.home / STATE_FILE

    def write_state(self, extra: dict[str, Any] | None = None) -> None:
        state = {
            "supervisor_pid": os.getpid(),
            "components": [
                {
                    "name": r.component.name,
                    "pid": r.process.pid,
                    "create_time": _create_time(r.process.pid),
                    "port": r.component.port,
                    "ready_url": r.component.ready_url,
                    "log": str(r.log_path),
                }
                for r in self.running.values()
            ],
            **(extra or {}),
        }
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=2), encoding="utf-8")
        tmp.replace(self.state_path)  # atomic: readers never see half a file

    def clear_state(self) -> None:
        self.state_path.unlink(missing_ok=True)


def _create_time(pid: int) -> float | None:
    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return None


def read_state(home: Path) -> dict[str, Any] | None:
    path = home / STATE_FILE
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def same_process(pid: int, create_time: float | None) -> psutil.Process | None:
    """The live process ``pid`` if it is still the one we started (pids get reused)."""
    try:
        proc = psutil.Process(pid)
        if create_time is not None and abs(proc.create_time() - create_time) > 1.0:
            return None
        return proc if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE else None
    except psutil.Error:
        return None


def stop_recorded_stack(
    home: Path, grace_s: float = 30.0, on_step: Callable[[str], None] = lambda _: None
) -> int:
    """Stop a stack from its state file (``aistack down``). Returns how many processes ended."""
    state = read_state(home)
    if state is None:
        return 0
    stopped = 0
    supervisor = same_process(state["supervisor_pid"], None)
    if supervisor is not None and supervisor.pid != os.getpid():
        on_step(f"stopping supervisor (pid {supervisor.pid})")
        supervisor.send_signal(signal.SIGTERM)
        try:
            supervisor.wait(timeout=grace_s)
        except psutil.TimeoutExpired:
            supervisor.kill()
        stopped += 1
    # Whatever the supervisor did not stop (it may have been killed -9): stop it here.
    leftovers = [
        p
        for c in state["components"]
        if (p := same_process(c["pid"], c.get("create_time"))) is not None
    ]
    for proc in leftovers:
        on_step(f"stopping {proc.name()} (pid {proc.pid})")
        proc.terminate()
    _, alive = psutil.wait_procs(leftovers, timeout=STOP_GRACE_S)
    for proc in alive:
        proc.kill()
    stopped += len(leftovers)
    (home / STATE_FILE).unlink(missing_ok=True)
    return stopped
