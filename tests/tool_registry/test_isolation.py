"""Tool programs run isolated: argv (no shell), a fresh temp dir, a scrubbed environment,
resource limits, and a kill of the whole process group at the timeout."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time

import psutil
import pytest

from services.tool_registry.isolation import Limits, run_process

pytestmark = pytest.mark.unit

LIMITS = Limits(timeout_s=10, cpu_s=10, memory_bytes=1024 * 1024 * 1024, max_output_bytes=65536)
PY = sys.executable


def run(code: str, limits: Limits = LIMITS, stdin: bytes | None = None, **kw: object):  # type: ignore[no-untyped-def]
    return asyncio.run(
        run_process(
            [PY, "-c", code],
            stdin=stdin,
            passthrough=kw.get("passthrough", ()),
            variables={**dict(os.environ), "SECRET_TOKEN": "x", "LANG": "C.UTF-8"},
            limits=limits,
        )
    )


def test_environment_and_working_directory() -> None:
    code = (
        "import json, os; print(json.dumps({'env': dict(os.environ), 'cwd': os.getcwd(),"
        " 'files': os.listdir('.')}))"
    )
    result = run(code, passthrough=["LANG"])
    seen = json.loads(result.stdout)
    assert set(seen["env"]) == {"PATH", "HOME", "TMPDIR", "LANG"}
    assert seen["env"]["HOME"] == seen["cwd"] and seen["files"] == []
    assert "aistack-tool-" in seen["cwd"]
    assert not os.path.exists(seen["cwd"]), "the temp dir is removed afterwards"


def test_stdin_and_exit_status() -> None:
    result = run("import sys; d = sys.stdin.read(); print(d[::-1]); sys.exit(3)", stdin=b"abc")
    assert (result.exit_code, result.stdout) == (3, b"cba\n")


def test_timeout_kills_the_process_group() -> None:
    # The tool starts a grandchild that would outlive a kill of the tool alone.
    code = (
        "import subprocess, sys, time; "
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
        "print(p.pid, flush=True); time.sleep(60)"
    )
    started = time.monotonic()
    result = run(code, Limits(1, 10, 1024**3, 65536))
    assert result.timed_out and result.exit_code is None
    assert time.monotonic() - started < 5
    grandchild = int(result.stdout.split()[0])
    deadline = time.monotonic() + 5
    while psutil.pid_exists(grandchild) and time.monotonic() < deadline:
        if psutil.Process(grandchild).status() == psutil.STATUS_ZOMBIE:
            break
        time.sleep(0.05)
    assert not psutil.pid_exists(grandchild) or (
        psutil.Process(grandchild).status() == psutil.STATUS_ZOMBIE
    )


def test_output_cap_stops_the_program() -> None:
    result = run(
        "import sys\nwhile True: sys.stdout.write('x' * 65536)", Limits(10, 10, 1024**3, 1000)
    )
    assert result.output_exceeded and len(result.stdout) == 1000


def test_cpu_limit() -> None:
    result = run("while True: pass", Limits(timeout_s=10, cpu_s=1, memory_bytes=1024**3,
                                            max_output_bytes=1000))  # fmt: skip
    assert result.exit_code is not None and result.exit_code < 0  # SIGXCPU / SIGKILL
    assert not result.timed_out


def test_memory_limit() -> None:
    result = run("b = bytearray(800 * 1024 * 1024); print('allocated')",
                 Limits(10, 10, 256 * 1024 * 1024, 1000))  # fmt: skip
    assert result.exit_code != 0 and b"allocated" not in result.stdout
    assert b"MemoryError" in result.stderr


def test_a_tool_dies_with_the_registry(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """SIGKILL of the process that runs tools (no cleanup possible) still ends them."""
    import signal
    import subprocess

    pid_file = tmp_path / "tool.pid"
    tool = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    parent = (
        "import asyncio, os, sys\n"
        "from services.tool_registry.isolation import Limits, run_process\n"
        f"asyncio.run(run_process([sys.executable, '-c', {tool!r}], stdin=None, passthrough=(),"
        " variables={}, limits=Limits(60, 60, 2**30, 1000)))\n"
    )
    proc = subprocess.Popen([PY, "-c", parent])
    try:
        deadline = time.monotonic() + 20
        while not pid_file.exists() or not pid_file.read_text():
            assert time.monotonic() < deadline, "the tool never started"
            time.sleep(0.05)
        child = int(pid_file.read_text())
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 5
        while psutil.pid_exists(child) and time.monotonic() < deadline:
            if psutil.Process(child).status() == psutil.STATUS_ZOMBIE:
                break
            time.sleep(0.05)
        assert not psutil.pid_exists(child) or psutil.Process(child).status() == "zombie"
    finally:
        if proc.poll() is None:
            proc.kill()
