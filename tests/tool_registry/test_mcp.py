"""The same tools over MCP at /mcp: the official client lists and calls them (both protocol
eras), hot-reloaded tools included; keys are required; the conformance suite's generic server
scenarios pass (through a loopback proxy that adds the key)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.mcp_conformance import HeaderProxy, failures, run_generic_scenarios
from tests.tool_registry.conftest import KEY, Registry

pytestmark = pytest.mark.integration

PLUGIN = '''
import pluggy
hookimpl = pluggy.HookimplMarker("aistack")

def hot_added(x: int) -> dict:
    """Double x."""
    return {"doubled": 2 * x}

@hookimpl
def aistack_tools():
    return [hot_added]
'''


async def _session(url: str, mode: str, work: Any) -> Any:
    async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {KEY}"}, timeout=30) as http:
        async with Client(streamable_http_client(url, http_client=http), mode=mode) as client:
            return await work(client)


def run(registry: Registry, work: Any, mode: str = "auto") -> Any:
    return asyncio.run(_session(registry.url + "/mcp", mode, work))


@pytest.mark.parametrize("mode", ["auto", "legacy"])
def test_official_client_lists_and_calls_the_same_tools(plugins: Registry, mode: str) -> None:
    plugins.drop("hot.py", PLUGIN)
    plugins.wait_tool("hot_added")
    rest = plugins.tools()

    async def work(client: Client) -> dict[str, Any]:
        tools = (await client.list_tools()).tools
        called = await client.call_tool("convert_units", {"quantity": "300 degF", "to": "K"})
        hot = await client.call_tool("hot_added", {"x": 21})
        bad = await client.call_tool("hoop_stress", {"pressure": "3 m"})
        unknown = await client.call_tool("no_such_tool", {})
        return {"tools": tools, "called": called, "hot": hot, "bad": bad, "unknown": unknown,
                "version": client.protocol_version}  # fmt: skip

    got = run(plugins, work, mode)
    assert got["version"] == ("2025-11-25" if mode == "legacy" else "2026-07-28")
    listed = {t.name: t for t in got["tools"]}
    assert list(listed) == list(rest), "one registry, two faces: same names, same order"
    for name, tool in listed.items():
        assert tool.description == rest[name]["function"]["description"]
        assert tool.input_schema == rest[name]["function"]["parameters"]
    called = got["called"]
    assert called.is_error is False
    assert called.structured_content["value"] == pytest.approx(422.0389, rel=1e-6)
    assert json.loads(called.content[0].text) == called.structured_content
    assert got["hot"].structured_content == {"doubled": 42}
    assert got["bad"].is_error and "expected a pressure" in got["bad"].content[0].text
    assert (
        got["unknown"].is_error and "no tool named 'no_such_tool'" in got["unknown"].content[0].text
    )


def test_removed_tools_leave_the_mcp_list_too(plugins: Registry) -> None:
    plugins.drop("hot.py", PLUGIN)
    plugins.wait_tool("hot_added")

    async def names(client: Client) -> list[str]:
        return [t.name for t in (await client.list_tools()).tools]

    assert "hot_added" in run(plugins, names)
    plugins.remove("hot.py")
    plugins.wait_tool("hot_added", present=False)
    assert "hot_added" not in run(plugins, names)


def test_mcp_needs_a_key_and_guards_the_host(registry: Registry) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    accept = {"Accept": "application/json, text/event-stream"}
    bare = httpx.post(registry.url + "/mcp", json=body, headers=accept)
    assert bare.status_code == 401 and bare.headers["www-authenticate"] == "Bearer"
    evil = httpx.post(registry.url + "/mcp", json=body, headers={
        **accept, "Authorization": f"Bearer {KEY}", "Host": "evil.example.com"})  # fmt: skip
    assert evil.status_code == 421


def test_conformance_generic_server_scenarios(registry: Registry, tmp_path: Path) -> None:
    with HeaderProxy(registry.url, {"Authorization": f"Bearer {KEY}"}) as proxy:
        results = run_generic_scenarios(proxy.url + "/mcp", tmp_path)
    assert [r.scenario for r in results if r.passed] == [r.scenario for r in results], failures(
        results
    )
