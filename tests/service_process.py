"""Start a real service process on loopback and wait until it is ready: the one helper that
tests and benchmarks use (``python -m services.<name>``, or any argv)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]


@dataclass
class ServiceProcess:
    name: str
    proc: subprocess.Popen[bytes]
    base_url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout_s: float = 30) -> None:
        """Signal the process and wait; SIGKILL if it does not end in time."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def answers_ok(url: str, timeout_s: float = 2) -> bool:
    try:
        return httpx.get(url, timeout=timeout_s).status_code == 200
    except httpx.HTTPError:
        return False


def wait_ready(
    url: str, timeout_s: float = 120, exited: Callable[[], int | None] = lambda: None
) -> None:
    """Poll ``url`` until it answers 200.

    Raises:
        RuntimeError: ``exited()`` reports an exit status first, or ``timeout_s`` passes.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        code = exited()
        if code is not None:
            raise RuntimeError(f"exited with status {code} before {url} answered")
        if answers_ok(url):
            return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer 200 within {timeout_s:g}s")


def start_service(
    name: str,
    env: Mapping[str, str],
    port: int,
    log_dir: Path,
    *,
    argv: Sequence[str] | None = None,
    cwd: Path = REPO,
    ready_path: str = "/ready",
    timeout_s: float = 120,
    wait: bool = True,
) -> ServiceProcess:
    """Start ``python -m services.<name>`` (or ``argv``) listening on ``port`` and, with
    ``wait``, return once ``ready_path`` answers 200 (or once the process has exited: the
    caller checks ``proc.returncode``).

    Raises:
        AssertionError: not ready in time; the message holds the process's output.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{name.replace('.', '-')}-{port}.log"
    command = list(argv) if argv else [sys.executable, "-m", f"services.{name}"]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command, env=dict(env), cwd=cwd, stdout=out, stderr=subprocess.STDOUT
        )
    service = ServiceProcess(name, proc, f"http://127.0.0.1:{port}", log)
    if wait:
        try:
            wait_ready(service.base_url + ready_path, timeout_s, proc.poll)
        except RuntimeError as exc:
            if proc.poll() is not None:
                return service
            service.stop()
            raise AssertionError(f"{name}: {exc}\n{service.output()}") from None
    return service


@contextmanager
def running_service(*args: object, **kwargs: object) -> Iterator[ServiceProcess]:
    """:func:`start_service` as a context manager that always stops the process."""
    service = start_service(*args, **kwargs)  # type: ignore[arg-type]
    try:
        yield service
    finally:
        service.stop()
