"""Helpers for benchmarks: free ports, background processes, readiness waits, wrk runs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import free_port
from tests.service_process import wait_ready

__all__ = ["ROOT", "free_port", "python", "running", "wait_ok", "wrk"]

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def running(commands: list[list[str]], env: dict[str, str], log_dir: Path) -> Iterator[None]:
    """Start ``commands`` in the background; stop them all on exit, whatever happened."""
    log_dir.mkdir(parents=True, exist_ok=True)
    procs = []
    try:
        for index, cmd in enumerate(commands):
            log = (log_dir / f"{index}-{Path(cmd[0]).name}.log").open("wb")
            procs.append(
                subprocess.Popen(cmd, env={**os.environ, **env}, cwd=ROOT, stdout=log,
                                 stderr=subprocess.STDOUT)
            )  # fmt: skip
        yield
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def wait_ok(url: str, timeout_s: float = 120) -> None:
    """The tests' readiness wait (tests/service_process.py), ending a benchmark run cleanly."""
    try:
        wait_ready(url, timeout_s)
    except RuntimeError as exc:
        raise SystemExit(str(exc)) from None


def python() -> str:
    return sys.executable


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        raise SystemExit(f"unexpected wrk latency figure {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def wrk(url: str, script: Path, connections: int, seconds: int) -> dict[str, float]:
    """Run wrk (one thread: the load generator must not crowd 2 cores) and parse its figures."""
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True, text=True, check=True, timeout=seconds + 60,
    ).stdout  # fmt: skip
    p50 = re.search(r"^\s*50%\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s*99%\s+(\S+)", out, re.M)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if not (p50 and p99 and rps):
        raise SystemExit(f"could not read wrk output:\n{out}")
    if non2xx:
        raise SystemExit(f"{url}: {non2xx.group(1)} error responses during the run:\n{out}")
    return {"p50": _ms(p50.group(1)), "p99": _ms(p99.group(1)), "rps": float(rps.group(1))}
