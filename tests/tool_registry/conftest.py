"""tool-registry fixtures: a real ``python -m services.tool_registry`` process on loopback with
its own plugins folder, and helpers to drop files into that folder while it runs."""

from __future__ import annotations

import json
import os
import shutil
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import free_port
from tests.service_process import ServiceProcess, start_service

ROOT = Path(__file__).resolve().parents[2]
KEY = "sk-tools-test-0123456789abcdef"
# A dropped file must show in /tools within this (the target); tests wait a bit longer
# so a loaded machine does not fail them, and assert the measured time separately.
VISIBLE_WITHIN_S = 2.0


@dataclass
class Registry:
    service: ServiceProcess
    plugins: Path
    home: Path
    client: httpx.Client = field(repr=False)

    @property
    def url(self) -> str:
        return self.service.base_url

    def output(self) -> str:
        return self.service.output()

    def log_records(self) -> list[dict[str, Any]]:
        return [json.loads(x) for x in self.output().splitlines() if x.startswith("{")]

    def tools(self) -> dict[str, dict[str, Any]]:
        response = self.client.get("/tools")
        response.raise_for_status()
        return {t["function"]["name"]: t for t in response.json()["tools"]}

    def errors(self) -> list[dict[str, str]]:
        return self.client.get("/tools/errors").json()["errors"]

    def invoke(self, name: str, arguments: dict[str, Any], timeout: float = 60) -> httpx.Response:
        return self.client.post(
            f"/tools/{name}/invoke", json={"arguments": arguments}, timeout=timeout
        )

    def drop(self, filename: str, text: str) -> Path:
        """Write a plugin file the way an editor or `cp` would: whole, then renamed in."""
        target = self.plugins / filename
        staging = self.plugins.parent / f".staging-{filename}"
        staging.write_text(textwrap.dedent(text), encoding="utf-8")
        os.replace(staging, target)
        return target

    def remove(self, filename: str) -> None:
        (self.plugins / filename).unlink(missing_ok=True)

    def wait(self, condition: Callable[[], bool], what: str, timeout_s: float = 10) -> float:
        """Seconds until ``condition`` held; fails naming ``what``."""
        started = time.monotonic()
        while time.monotonic() - started < timeout_s:
            if condition():
                return time.monotonic() - started
            time.sleep(0.05)
        raise AssertionError(f"{what} (waited {timeout_s:g} s)\n{self.output()[-3000:]}")

    def wait_tool(self, name: str, present: bool = True, timeout_s: float = 10) -> float:
        state = "appear in" if present else "leave"
        return self.wait(
            lambda: (name in self.tools()) == present, f"{name} did not {state} /tools", timeout_s
        )

    def wait_error(self, filename: str, timeout_s: float = 10) -> dict[str, str]:
        def found() -> bool:
            return any(e["file"].endswith(filename) for e in self.errors())

        self.wait(found, f"{filename} not reported in /tools/errors", timeout_s)
        return next(e for e in self.errors() if e["file"].endswith(filename))


def start_registry(workdir: Path, **extra: str) -> Registry:
    """``python -m services.tool_registry`` with its own plugins folder and state."""
    # A folder of its own unless the caller shares one (replicas on one volume).
    plugins = Path(extra.pop("PLUGINS_DIR", workdir / "plugins"))
    plugins.mkdir(parents=True, exist_ok=True)
    home = workdir / "home"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOOLS_", "GATEWAY_"))}
    env.update(
        TOOLS_PORT=str(port),
        PLUGINS_DIR=str(plugins),
        GATEWAY_API_KEYS=KEY,
        AISTACK_HOME=str(home),
        LOG_FORMAT="json",
        # A secret the tools must never see (scrubbed environments).
        TOOLS_TEST_SECRET="do-not-leak",
        LANG="C.UTF-8",
        **extra,
    )
    service = start_service("tool_registry", env, port, workdir, cwd=workdir, timeout_s=90)
    assert service.proc.returncode is None, f"registry exited:\n{service.output()}"
    client = httpx.Client(
        base_url=service.base_url, headers={"Authorization": f"Bearer {KEY}"}, timeout=60
    )
    return Registry(service, plugins, home, client)


def stop_registry(registry: Registry) -> None:
    registry.client.close()
    registry.service.stop()


@pytest.fixture(scope="package")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """One registry process for the package's service tests; each test cleans its files."""
    # Small limits keep the runaway-tool tests short.
    running = start_registry(tmp_path_factory.mktemp("registry"), TOOLS_LOAD_TIMEOUT_S="3")
    try:
        yield running
    finally:
        stop_registry(running)


@pytest.fixture
def plugins(registry: Registry) -> Iterator[Registry]:
    """The running registry, with its plugins folder emptied after the test."""
    yield registry
    for path in registry.plugins.iterdir():
        if path.is_symlink() or path.is_file():
            path.unlink()
        else:
            shutil.rmtree(path)

    def settled() -> bool:
        tools = registry.tools().values()
        return not registry.errors() and all(t["source"].startswith("builtin:") for t in tools)

    registry.wait(settled, "the registry did not forget the test's plugins")
