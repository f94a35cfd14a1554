"""Through the running registry: arguments reach programs literally, tools see no secrets,
runaway tools are killed at their timeouts while everything else keeps answering, bad
arguments get 422 naming each field, quantities arrive in SI."""

from __future__ import annotations

import sys
import threading
import time
from statistics import median

import psutil
import pytest

from tests.tool_registry.conftest import Registry

pytestmark = pytest.mark.integration

ARGV_ECHO = f"""
name: argv_echo
description: Print each argument it receives as one JSON list
parameters:
  type: object
  properties: {{a: {{type: string}}, b: {{type: string}}}}
  required: [a, b]
argv:
  - "{sys.executable}"
  - "-c"
  - "import json, sys; print(json.dumps(sys.argv[1:]))"
  - "{{a}}"
  - "{{b}}"
output: json
timeout_s: 10
"""

PRINTF = """
name: printf_lines
description: Print each argument on its own line
parameters:
  type: object
  properties: {a: {type: string}, b: {type: string}}
  required: [a, b]
argv: ["printf", "%s\\n", "{a}", "{b}"]
"""

SLEEPY = """
name: sleepy
description: Sleep far longer than allowed
parameters: {type: object}
argv: ["sleep", "60"]
timeout_s: 1
"""

ENV_DUMP = f"""
name: env_dump
description: Show the environment and working directory the program gets
parameters: {{type: object}}
argv:
  - "{sys.executable}"
  - "-c"
  - "import json, os; print(json.dumps([dict(os.environ), os.getcwd(), os.listdir('.')]))"
env: [LANG]
output: json
"""

SPIN = '''
import os
import pluggy
hookimpl = pluggy.HookimplMarker("aistack")

def spin() -> int:
    """Burn CPU forever."""
    print("spinning in", os.getpid(), flush=True)
    while True:
        pass

spin.timeout_s = 1

def worker_pid() -> int:
    """The worker process this runs in."""
    return os.getpid()

def secrets_seen() -> list:
    """What a plugin can see of the registry's environment."""
    return sorted(os.environ)

def divide(a: float, b: float) -> float:
    """a / b."""
    return a / b

@hookimpl
def aistack_tools():
    return [spin, worker_pid, secrets_seen, divide]
'''

PRESSURE = '''
from typing import Annotated
import pluggy
from services.tool_registry.quantity import Quantity
hookimpl = pluggy.HookimplMarker("aistack")

def echo_pressure(pressure: Annotated[float, Quantity("pressure")], count: int = 1) -> float:
    """Return the pressure as received, in Pa.

    Args:
        pressure: any pressure.
        count: how many.
    """
    return pressure

@hookimpl
def aistack_tools():
    return [echo_pressure]
'''

HOSTILE = ["; rm -rf /", "$(id)", "`id`", "a b\nc", "'\"*?", "--help"]


@pytest.mark.parametrize("value", HOSTILE)
def test_manifest_arguments_reach_the_program_literally(plugins: Registry, value: str) -> None:
    if "argv_echo" not in plugins.tools():
        plugins.drop("argv_echo.tool.yaml", ARGV_ECHO)
        plugins.drop("printf.tool.yaml", PRINTF)
        plugins.wait_tool("argv_echo")
        plugins.wait_tool("printf_lines")
    answer = plugins.invoke("argv_echo", {"a": value, "b": "$(id)"}).json()
    assert answer["is_error"] is False, answer
    assert answer["content"] == [value, "$(id)"]
    printed = plugins.invoke("printf_lines", {"a": value, "b": "; rm -rf /"}).json()
    assert printed["content"] == f"{value}\n; rm -rf /\n"


def test_tools_see_no_secrets_and_a_fresh_directory(plugins: Registry) -> None:
    plugins.drop("env_dump.tool.yaml", ENV_DUMP)
    plugins.drop("spin.py", SPIN)
    plugins.wait_tool("env_dump")
    plugins.wait_tool("secrets_seen")
    env, cwd, files = plugins.invoke("env_dump", {}).json()["content"]
    assert set(env) == {"PATH", "HOME", "TMPDIR", "LANG"}
    assert files == [] and "aistack-tool-" in cwd
    seen = plugins.invoke("secrets_seen", {}).json()["content"]
    assert "TOOLS_TEST_SECRET" not in seen and "GATEWAY_API_KEYS" not in seen


def _hammer(plugins: Registry, name: str, arguments: dict, stop: threading.Event,
            latencies: list[float], errors: list[object]) -> None:  # fmt: skip
    while not stop.is_set():
        started = time.perf_counter()
        response = plugins.invoke(name, arguments, timeout=10)
        latencies.append(time.perf_counter() - started)
        if response.status_code != 200 or response.json()["is_error"]:
            errors.append(response.text)


def test_runaway_tools_are_killed_while_others_keep_answering(plugins: Registry) -> None:
    plugins.drop("sleepy.tool.yaml", SLEEPY)
    plugins.drop("spin.py", SPIN)
    plugins.wait_tool("sleepy")
    plugins.wait_tool("spin")
    spinner = plugins.invoke("worker_pid", {}).json()["content"]
    # Normal speed first, then the same calls while two runaway tools are in flight.
    baseline: list[float] = []
    for _ in range(20):
        started = time.perf_counter()
        assert plugins.invoke("divide", {"a": 1, "b": 4}).status_code == 200
        baseline.append(time.perf_counter() - started)
    stop, latencies, errors = threading.Event(), {"builtin": [], "python": []}, []
    hammers = [
        threading.Thread(target=_hammer, args=(plugins, "convert_units",
                         {"quantity": "1 bar", "to": "Pa"}, stop, latencies["builtin"], errors)),
        threading.Thread(target=_hammer, args=(plugins, "divide", {"a": 1, "b": 4}, stop,
                         latencies["python"], errors)),
    ]  # fmt: skip
    for thread in hammers:
        thread.start()
    try:
        started = time.monotonic()
        slept = plugins.invoke("sleepy", {})
        spun = plugins.invoke("spin", {})
        took = time.monotonic() - started
    finally:
        stop.set()
        for thread in hammers:
            thread.join(15)
    assert slept.status_code == 504 and spun.status_code == 504
    for response in (slept, spun):
        error = response.json()["error"]
        assert error["type"] == "timeout_error" and error["code"] == "tool_timeout"
        assert "limit of 1 s" in error["message"]
    assert took < 6, f"two 1 s timeouts took {took:.1f} s"
    assert errors == []
    assert len(latencies["builtin"]) > 5 and len(latencies["python"]) > 5
    # "Normal speed": the median call stays near the baseline (generous for a loaded 2-core box).
    assert median(latencies["python"]) < max(0.25, 10 * median(baseline))
    assert median(latencies["builtin"]) < 0.25
    # The spinning worker was killed, not left burning CPU.
    spinning = [r for r in plugins.log_records() if r.get("event") == "plugin output"
                and "spinning in" in r.get("line", "")]  # fmt: skip
    pid = int(spinning[-1]["line"].split()[-1])
    plugins.wait(lambda: not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie",
                 f"worker {pid} still running")  # fmt: skip
    assert plugins.invoke("divide", {"a": 1, "b": 2}).json()["content"] == 0.5
    assert spinner > 0


def test_bad_arguments_get_422_naming_each_field(plugins: Registry) -> None:
    response = plugins.invoke("hoop_stress", {"pressure": "lots", "diameter": True, "x": 1})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and error["code"] == "invalid_arguments"
    paths = {p["path"] for p in error["errors"]}
    assert paths == {"$.pressure", "$.diameter", "$.wall_thickness", "$.x"}
    for path in paths:
        assert path in error["message"]
    plugins.drop("printf.tool.yaml", PRINTF)
    plugins.wait_tool("printf_lines")
    manifest = plugins.invoke("printf_lines", {"a": 3}).json()["error"]
    assert {p["path"] for p in manifest["errors"]} == {"$.a", "$.b"}


def test_quantities_arrive_in_si_and_wrong_dimensions_get_422(plugins: Registry) -> None:
    plugins.drop("pressure.py", PRESSURE)
    plugins.wait_tool("echo_pressure")
    entry = plugins.tools()["echo_pressure"]
    assert entry["quantities"] == {"pressure": "pressure"}
    schema = entry["function"]["parameters"]["properties"]["pressure"]
    assert [o["type"] for o in schema["anyOf"]] == ["number", "string", "object"]
    for given in ("3 bar", {"value": 3, "unit": "bar"}, 300000, "43.5113 psi"):
        answer = plugins.invoke("echo_pressure", {"pressure": given}).json()
        assert answer["content"] == pytest.approx(300000.0, rel=1e-5), given
    wrong = plugins.invoke("echo_pressure", {"pressure": "3 m", "count": "many"})
    assert wrong.status_code == 422
    problems = {p["path"]: p["message"] for p in wrong.json()["error"]["errors"]}
    assert "expected a pressure (SI unit Pa), got a length (3 m)" in problems["$.pressure"]
    assert "$.count" in problems


def test_a_failing_tool_is_an_error_result_not_a_failed_request(plugins: Registry) -> None:
    plugins.drop("spin.py", SPIN)
    plugins.wait_tool("divide")
    answer = plugins.invoke("divide", {"a": 1, "b": 0})
    assert answer.status_code == 200
    body = answer.json()
    assert (
        body["is_error"] is True and body["content"] == "ZeroDivisionError: float division by zero"
    )
    converted = plugins.invoke("convert_units", {"quantity": "3 m", "to": "bar"}).json()
    assert converted["is_error"] and "cannot convert 3 m (a length) to bar" in converted["content"]
