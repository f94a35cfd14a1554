"""`aistack tools` against a running registry, and the registry in `aistack up`'s components."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from services.cli.components import stack_components
from services.cli.settings import Settings
from tests.tool_registry.conftest import KEY, Registry

AISTACK = str(Path(sys.executable).parent / "aistack")


def aistack(registry: Registry, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TOOLS_URL": registry.url, "GATEWAY_API_KEYS": KEY, "COLUMNS": "200"}
    return subprocess.run([AISTACK, "tools", *args], env=env, capture_output=True, text=True,
                          timeout=60, check=False)  # fmt: skip


@pytest.mark.integration
def test_list_shows_source_and_hash(registry: Registry) -> None:
    result = aistack(registry)
    assert result.returncode == 0, result.stderr
    entry = registry.tools()["convert_units"]
    line = next(x for x in result.stdout.splitlines() if "convert_units" in x)
    assert "builtin:services.tool_registry.builtins.units" in line
    assert entry["hash"].removeprefix("sha256:")[:12] in line
    assert f"{len(registry.tools())} tool(s)" in result.stdout


@pytest.mark.integration
def test_call_with_arguments(registry: Registry) -> None:
    result = aistack(
        registry, "call", "convert_units", "--arg", "quantity=3 bar", "--arg", "to=psi"
    )
    assert result.returncode == 0, result.stderr
    assert '"value": 43.511' in result.stdout and '"si_value": 300000.0' in result.stdout
    json_arg = aistack(registry, "call", "convert_units", "--arg",
                       'quantity={"value": 100, "unit": "degC"}', "--arg", "to=K")  # fmt: skip
    assert '"value": 373.15' in json_arg.stdout
    bad = aistack(registry, "call", "hoop_stress", "--arg", "pressure=3 m")
    assert bad.returncode == 1
    assert "$.pressure: expected a pressure" in bad.stdout and "$.diameter" in bad.stdout
    failing = aistack(registry, "call", "convert_units", "--arg", "quantity=3 m", "--arg", "to=bar")
    assert failing.returncode == 1 and "cannot convert" in failing.stdout
    assert aistack(registry, "errors").returncode == 0


@pytest.mark.unit
def test_aistack_up_starts_the_registry() -> None:
    settings = Settings(_env_file=None, tools_port=18086, llm_base_url="http://127.0.0.1:1/v1")
    (registry,) = [c for c in stack_components(settings) if c.name == "tool-registry"]
    assert registry.argv[1:] == ["-m", "services.tool_registry"]
    assert (registry.port, registry.port_variable) == (18086, "TOOLS_PORT")
    assert registry.ready_url == "http://127.0.0.1:18086/ready"
    names = [c.name for c in stack_components(settings)]
    assert names.index("tool-registry") < names.index("orchestrator"), "peers start first"
