"""The HTTP face of the MCP endpoints: bearer keys, the Host/Origin guard, open probes, and a
configuration error at start."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.mcp.conftest import DOMAINS, KEY, PUBLIC_HOST, clean_env, mcp_client
from tests.service_process import ServiceProcess

pytestmark = pytest.mark.integration

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "test", "version": "1"},
    },
}
ACCEPT = {"Accept": "application/json, text/event-stream"}


def post(url: str, **headers: str) -> httpx.Response:
    return httpx.post(url, json=INITIALIZE, headers={**ACCEPT, **headers}, timeout=10)


@pytest.mark.parametrize("domain", DOMAINS)
def test_no_key_or_a_wrong_key_is_401_with_a_bearer_challenge(
    mcp_service: ServiceProcess, domain: str
) -> None:
    url = f"{mcp_service.base_url}/{domain}/mcp"
    for headers in (
        {},
        {"Authorization": "Bearer sk-wrong-0123456789abcdef"},
        {"Authorization": f"Basic {KEY}"},
    ):
        answer = post(url, **headers)
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"] == "Bearer"
        assert answer.json()["error"]["code"] == "invalid_api_key"
    answer = post(url, Authorization=f"Bearer {KEY}")
    assert answer.status_code == 200
    assert answer.json()["result"]["serverInfo"]["name"] == f"ai-stack-{domain}"
    assert "mcp-session-id" not in answer.headers  # stateless: nothing to stick to


def test_a_foreign_host_is_refused_and_the_configured_one_works(
    mcp_service: ServiceProcess,
) -> None:
    url = f"{mcp_service.base_url}/chem/mcp"
    key = {"Authorization": f"Bearer {KEY}"}
    foreign = post(url, Host="evil.example.com", **key)
    assert foreign.status_code == 421 and "Invalid Host" in foreign.text
    # The name the chart passes in MCP_ALLOWED_HOSTS (the ingress host), with and without a
    # port, as it arrives behind the ingress.
    for host in (PUBLIC_HOST, f"{PUBLIC_HOST}:443"):
        assert post(url, Host=host, **key).status_code == 200, host
    assert post(url, Host=PUBLIC_HOST, Origin=f"https://{PUBLIC_HOST}", **key).status_code == 200
    origin = post(url, Origin="http://evil.example.com", **key)
    assert origin.status_code == 403 and "Invalid Origin" in origin.text


async def test_the_official_client_works_through_the_public_host_name(
    mcp_service: ServiceProcess,
) -> None:
    async with mcp_client(f"{mcp_service.base_url}/mech/mcp", Host=PUBLIC_HOST) as client:
        result = await client.call_tool("convert_units", {"quantity": "88 N*m", "to": "lbf*ft"})
    assert result.structured_content["value"] == pytest.approx(64.906, abs=1e-3)


def test_probes_and_metrics_need_no_key(mcp_service: ServiceProcess) -> None:
    base = mcp_service.base_url
    assert httpx.get(f"{base}/health", timeout=10).json() == {"status": "ok"}
    ready = httpx.get(f"{base}/ready", timeout=10).json()
    assert ready == {"status": "ready", "checks": {"rag-api": "ok", "baseline-corpus": "ok"}}
    metrics = httpx.get(f"{base}/metrics", timeout=10).text
    assert 'status="200"' in metrics and "HTTPStatus" not in metrics


def test_a_bad_domains_file_stops_the_start_with_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    result = subprocess.run(
        [sys.executable, "-m", "services.mcp"],
        env=clean_env(GATEWAY_API_KEYS=KEY, MCP_DOMAINS_FILE=str(missing), MCP_PORT="1"),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("mcp: MCP_DOMAINS_FILE") and str(missing) in line
