"""Worker processes for plugins: third-party entry points load and run there (never in the
registry), a busy pool grows, a request past its timeout kills its worker and a fresh one
takes its place."""

from __future__ import annotations

import asyncio
import importlib.metadata
import os
import sys
from pathlib import Path

import pytest

from services.tool_registry.discovery import Discovery
from services.tool_registry.errors import ToolTimeoutError
from services.tool_registry.pool import WorkerPool
from services.tool_registry.settings import Settings

pytestmark = pytest.mark.integration

SLOW = '''
import time
import pluggy
hookimpl = pluggy.HookimplMarker("aistack")

def nap(seconds: float) -> float:
    """Sleep."""
    time.sleep(seconds)
    return seconds

@hookimpl
def aistack_tools():
    return [nap]
'''


def settings(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None, gateway_api_keys="sk-pool-test-0123456789", plugins_dir=[tmp_path]
    )


def test_entry_point_plugins_run_in_a_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    point = importlib.metadata.EntryPoint(
        "fake", "tests.tool_registry.entry_point_plugin", "aistack.tools"
    )
    real = importlib.metadata.entry_points

    def entry_points(**kw: str) -> object:
        return [*real(**kw), point] if kw.get("group") == "aistack.tools" else real(**kw)

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)

    async def scenario() -> tuple[list, dict]:
        pool = WorkerPool(size=1, max_size=2, memory_mb=1024, max_message_bytes=65536)
        await pool.start()
        try:
            found = await Discovery(settings(tmp_path), pool, {}).entry_points()
            (tool,) = found.tools
            result = await tool.runner.run({"x": 7}, 10)
            return [tool.name, tool.source, tool.version, found.problems], result.content
        finally:
            await pool.close()

    (name, source, version, problems), content = asyncio.run(scenario())
    assert (name, source, version, problems) == ("where_am_i", "entrypoint:?:fake", "2.5", [])
    assert content["square"] == 49 and content["pid"] != os.getpid()
    assert "tests.tool_registry.entry_point_plugin" not in sys.modules, "never imported here"


def test_busy_pool_grows_and_a_timed_out_worker_is_replaced(tmp_path: Path) -> None:
    (tmp_path / "nap.py").write_text(SLOW)

    async def scenario() -> dict[str, object]:
        pool = WorkerPool(size=1, max_size=2, memory_mb=1024, max_message_bytes=65536)
        await pool.start()
        try:
            discovery = Discovery(settings(tmp_path), pool, {})
            data = (tmp_path / "nap.py").read_bytes()
            from services.tool_registry.loading import digest

            (tool,) = (await discovery.load_file(tmp_path / "nap.py", data, digest(data))).tools
            long = asyncio.ensure_future(tool.runner.run({"seconds": 30}, 1.5))
            await asyncio.sleep(0.2)
            # The only warm worker is busy: a second one starts and answers this call.
            quick = await tool.runner.run({"seconds": 0.01}, 20)
            try:
                await long
                timed_out = False
            except ToolTimeoutError as exc:
                timed_out = "limit of 1.5 s" in exc.message
            after = await tool.runner.run({"seconds": 0}, 20)
            return {"quick": quick.content, "timed_out": timed_out, "after": after.content,
                    "replaced": pool.replaced}  # fmt: skip
        finally:
            await pool.close()

    got = asyncio.run(scenario())
    assert got == {"quick": 0.01, "timed_out": True, "after": 0, "replaced": 1}
