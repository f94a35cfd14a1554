"""The MCP project's conformance suite (generic server scenarios) against each domain
endpoint of the real service. The suite sends no key: a loopback proxy adds it and forwards
everything else (the Host header included); authentication stays on in the service."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.mcp.conftest import DOMAINS, KEY
from tests.mcp_conformance import (
    GENERIC_SCENARIOS,
    HeaderProxy,
    failures,
    run_generic_scenarios_at_once,
)
from tests.service_process import ServiceProcess

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("domain", DOMAINS)
def test_generic_server_scenarios_pass(
    mcp_service: ServiceProcess, domain: str, tmp_path: Path
) -> None:
    with HeaderProxy(mcp_service.base_url, {"Authorization": f"Bearer {KEY}"}) as proxy:
        results = run_generic_scenarios_at_once(f"{proxy.url}/{domain}/mcp", tmp_path)
    assert [r.scenario for r in results] == list(GENERIC_SCENARIOS)
    assert [r.scenario for r in results if not r.passed] == [], failures(results)


def test_the_runner_reports_failures(mcp_service: ServiceProcess, tmp_path: Path) -> None:
    """Without the proxy the suite has no key: the scenarios that need an answer fail (so the
    passes above are the server's, not the runner's)."""
    results = run_generic_scenarios_at_once(f"{mcp_service.base_url}/chem/mcp", tmp_path)
    failed = {r.scenario for r in results if not r.passed}
    assert {"server-initialize", "tools-list", "dns-rebinding-protection"} <= failed
