"""On first start the mcp service loads the baseline corpora into rag-api (waiting for rag-api
if it is not up yet) and is ready only once they are searchable; a restart loads nothing."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from services.mcp.settings import DEFAULT_DOMAINS_FILE
from tests.conftest import free_port
from tests.mcp.conftest import DOMAINS, clean_env, mcp_client, rag_documents, start_rag
from tests.service_process import start_service

pytestmark = pytest.mark.integration

PACKAGE = DEFAULT_DOMAINS_FILE.parent


def records(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def ready(url: str) -> httpx.Response:
    return httpx.get(f"{url}/ready", timeout=10)


def wait_for(check, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(what)


def test_first_start_loads_the_corpora_once_rag_api_answers(tmp_path: Path) -> None:
    rag_port, port = free_port(), free_port()
    rag_url = f"http://127.0.0.1:{rag_port}"
    env = clean_env(
        MCP_PORT=str(port),
        RAG_URL=rag_url,
        GATEWAY_API_KEYS="sk-start-0123456789abc",
        AISTACK_HOME=str(tmp_path / "mcp-home"),
    )
    mcp = start_service("mcp", env, port, tmp_path / "logs", cwd=tmp_path, ready_path="/health")
    rag = None
    try:
        # rag-api is not there yet: alive, not ready, and /ready says why.
        waiting = ready(mcp.base_url)
        assert waiting.status_code == 503
        checks = waiting.json()["checks"]
        assert checks["rag-api"] != "ok" and "rag-api" in checks["baseline-corpus"]

        rag = start_rag(tmp_path, port=rag_port)
        wait_for(lambda: ready(mcp.base_url).status_code == 200, 180, mcp.output()[-3000:])
        stored = [d["source"] for d in rag_documents(rag_url)]
        for domain in DOMAINS:
            shipped = sorted(p.name for p in (PACKAGE / "corpora" / domain).glob("*.md"))
            mine = sorted(s.split("/")[-1] for s in stored if s.startswith(f"mcp/{domain}/"))
            assert mine == shipped
        loaded = [r for r in records(mcp.output()) if r.get("event") == "baseline corpus loaded"]
        assert [r["domain"] for r in loaded] == list(DOMAINS)
        assert all(r["ingested"] == r["documents"] > 0 for r in loaded)
        retries = [
            r for r in records(mcp.output()) if r.get("event") == "rag-api not reachable; retrying"
        ]
        assert retries, "it waited for rag-api"
    finally:
        mcp.stop()

    # A restart finds every corpus present: nothing is sent to rag-api again.
    again = start_service("mcp", env, port, tmp_path / "logs-again", cwd=tmp_path)
    try:
        events = [r.get("event") for r in records(again.output())]
        assert events.count("baseline corpus present") == 3
        assert "baseline corpus loaded" not in events
    finally:
        again.stop()
        if rag is not None:
            rag.stop()


async def test_search_reports_a_missing_rag_api_as_an_error_result(tmp_path: Path) -> None:
    port = free_port()
    env = clean_env(
        MCP_PORT=str(port),
        RAG_URL=f"http://127.0.0.1:{free_port()}",
        GATEWAY_API_KEYS="sk-start-0123456789abc",
        MCP_INGEST_ON_START="false",
        AISTACK_HOME=str(tmp_path / "home"),
    )
    mcp = start_service("mcp", env, port, tmp_path / "logs", cwd=tmp_path, ready_path="/health")
    try:
        assert ready(mcp.base_url).json()["checks"].keys() == {"rag-api"}
        async with mcp_client(f"{mcp.base_url}/chem/mcp", key="sk-start-0123456789abc") as client:
            failed = await client.call_tool("search", {"query": "acetone"})
            assert failed.is_error
            assert "the chem corpus cannot be searched now: rag-api at" in failed.content[0].text
            # Everything that does not need rag-api still works.
            limits = await client.call_tool("constraints", {"subject": "benzene"})
            assert limits.structured_content["matched_subjects"] == ["benzene"]
    finally:
        mcp.stop()
