"""`aistack up` as a process supervisor: Ctrl-C, crashes, kill -9, busy ports."""

from __future__ import annotations

import os
import signal
import socket

import pytest

from tests.integration.stackproc import (
    aistack,
    alive,
    stack_env,
    start_stack,
    stop,
    wait_gone,
    wait_until,
)
from tests.service_process import wait_ready

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("how", ["ctrl-c", "aistack down"])
def test_ctrl_c_or_down_stops_every_child(tmp_path, how: str) -> None:
    # Ctrl-C is tested on a stack started as a background job, SIGINT inherited as ignored:
    # `aistack up` must handle it itself (it once sat through it until SIGTERM).
    stack = start_stack(tmp_path, sigint_ignored=how == "ctrl-c")
    try:
        pids = [*stack.pids().values(), stack.proc.pid]
        assert all(alive(p) for p in pids)
        if how == "ctrl-c":
            stack.proc.send_signal(signal.SIGINT)
        else:  # from another terminal, as a user would
            result = stack.cli("down")
            assert result.returncode == 0, result.stdout + result.stderr
        assert stack.proc.wait(timeout=60) == 0
        assert wait_gone(pids) == [], f"still alive: {[p for p in pids if alive(p)]}"
        assert not (stack.home / "stack.json").exists()
        assert "stopped" in stack.output.read_text()
        assert stack.cli("status").returncode == 1
    finally:
        stop(stack)


def test_a_chat_template_that_drops_the_conversation_is_refused(tmp_path) -> None:
    """The bug this guards against: `--chat-template gemma` on a Jinja-enabled llama.cpp
    renders every conversation as the literal word "gemma", and the server still looks
    healthy. The start-up probe must refuse such a runner, naming the template."""
    literal = tmp_path / "literal.jinja"
    literal.write_text("gemma")
    env = stack_env(tmp_path / ".aistack", LLAMACPP_CHAT_TEMPLATE_FILE=str(literal))
    result = aistack(env, tmp_path, "up", timeout=240)
    assert result.returncode == 1, result.stdout
    out = " ".join(result.stdout.split())
    assert "drops the conversation" in out and str(literal) in out
    assert "LLAMACPP_CHAT_TEMPLATE_FILE" in out
    assert not (tmp_path / ".aistack" / "stack.json").exists()


def test_crashed_service_is_restarted_and_kill_9_of_the_supervisor_leaves_no_orphan(
    tmp_path,
) -> None:
    stack = start_stack(tmp_path)
    try:
        old = stack.pids()["orchestrator"]
        os.kill(old, signal.SIGKILL)

        def restarted() -> bool:
            new = stack.pids().get("orchestrator")
            return new is not None and new != old and alive(new)

        wait_until(restarted, 60, "the orchestrator was not restarted")
        wait_ready(f"http://127.0.0.1:{stack.orch_port}/ready", 60)
        assert "restarting" in stack.output.read_text()

        children = list(stack.pids().values())
        stack.proc.kill()  # no chance to clean up: the kernel must end the children
        stack.proc.wait(timeout=10)
        assert wait_gone(children, timeout_s=30) == []
        # A stale state file is tidied by `down`.
        result = stack.cli("down")
        assert result.returncode == 0
        assert not (stack.home / "stack.json").exists()
    finally:
        stop(stack)


def test_busy_port_is_reported_with_its_variable(tmp_path) -> None:
    env = stack_env(tmp_path / ".aistack")
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", int(env["GATEWAY_PORT"])))
        holder.listen()
        result = aistack(env, tmp_path, "up")
    assert result.returncode == 1
    assert "GATEWAY_PORT" in result.stdout and "in use" in result.stdout


def test_bad_configuration_fails_fast_naming_the_variable(tmp_path) -> None:
    env = stack_env(tmp_path / ".aistack", LLM_BACKEND="nonsense")
    result = aistack(env, tmp_path, "up")
    assert result.returncode == 2
    assert "LLM_BACKEND" in result.stdout


def test_status_and_down_without_a_stack(tmp_path) -> None:
    env = stack_env(tmp_path / ".aistack")
    status = aistack(env, tmp_path, "status")
    assert status.returncode == 1 and "no stack running" in status.stdout
    down = aistack(env, tmp_path, "down")
    assert down.returncode == 0 and "no stack running" in down.stdout
