"""Two mcp processes behind one address, requests alternating between them: a client of
either revision works throughout (stateless: no session to be "not found" on the other)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.mcp.conftest import Ingested, mcp_client, start_mcp
from tests.roundrobin import RoundRobinProxy
from tests.service_process import ServiceProcess

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def replicas(
    ingested: Ingested, mcp_service: ServiceProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[ServiceProcess]]:
    second = start_mcp(tmp_path_factory.mktemp("mcp-replica"), ingested.rag.base_url)
    assert second.proc.poll() is None, second.output()
    try:
        yield [mcp_service, second]
    finally:
        second.stop()


def requests_served(service: ServiceProcess, since: int) -> int:
    lines = service.output().splitlines()[since:]
    return sum(
        1
        for line in lines
        if line.startswith("{") and json.loads(line).get("path") == "/materials/mcp"
    )


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_a_client_is_answered_alternately_by_two_replicas(
    replicas: list[ServiceProcess], mode: str, tmp_path: Path
) -> None:
    marks = [len(r.output().splitlines()) for r in replicas]
    upstreams = [r.base_url for r in replicas]
    with RoundRobinProxy(upstreams) as proxy:
        async with mcp_client(f"{proxy.url}/materials/mcp", mode) as client:
            outputs = []
            for _ in range(3):
                tools = await client.list_tools()
                limits = await client.call_tool("constraints", {"subject": "PTFE"})
                converted = await client.call_tool(
                    "convert_units", {"quantity": "260 degC", "to": "K"}
                )
                found = await client.call_tool("search", {"query": "PTFE service temperature"})
                outputs.append((tools, limits, converted, found))
    for tools, limits, converted, found in outputs:
        assert [t.name for t in tools.tools] == ["search", "constraints", "convert_units"]
        assert not limits.is_error and limits.structured_content["matched_subjects"] == ["PTFE"]
        assert converted.structured_content["value"] == pytest.approx(533.15)
        assert not found.is_error and found.structured_content["passages"]
        for result in (limits, converted, found):
            assert "session not found" not in json.dumps(result.model_dump(mode="json")).lower()
    # Every request went to the next replica in turn, and both answered their share.
    assert len(proxy.served) >= 12
    assert proxy.served == [i % 2 for i in range(len(proxy.served))]
    counts = [requests_served(r, mark) for r, mark in zip(replicas, marks, strict=True)]
    assert min(counts) >= len(proxy.served) // 2, counts
