"""mcp fixtures: a real rag-api process (the bundled embedding model, the embedded Qdrant
engine in a temporary folder) with the baseline corpora ingested by the real CLI, and real
``python -m services.mcp`` processes in front of it, reached with the official ``mcp`` client.

Session-scoped: one rag-api and one mcp process serve every test that only reads. Tests that
change what rag-api holds start their own (see ``fresh_rag``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.conftest import STACK_VARIABLES, free_port
from tests.service_process import ServiceProcess, start_service

KEY = "sk-mcp-test-0123456789abcdef"
PUBLIC_HOST = "ai.example.test"
DOMAINS = ("chem", "mech", "materials")
AISTACK = str(Path(sys.executable).with_name("aistack"))
HERE = Path(__file__).resolve().parent
# A test-only document (never shipped in a corpus): text that tries to give orders.
INJECTION = HERE / "data" / "injected-supplier-note.md"


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without the stack's variables (a developer's shell must not leak in),
    offline, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in STACK_VARIABLES}
    env.update(
        HF_HUB_OFFLINE="1",
        RAG_TORCH_THREADS="1",
        TOKENIZERS_PARALLELISM="false",
        HAYSTACK_TELEMETRY_ENABLED="False",
        LOG_FORMAT="json",
        **extra,
    )
    return env


def start_rag(workdir: Path, port: int | None = None, wait: bool = True) -> ServiceProcess:
    port = port or free_port()
    env = clean_env(AISTACK_HOME=str(workdir / "rag-home"), RAG_PORT=str(port))
    return start_service("rag", env, port, workdir / "logs", cwd=workdir, wait=wait)


def start_mcp(workdir: Path, rag_url: str, wait: bool = True, **extra: str) -> ServiceProcess:
    port = free_port()
    env = clean_env(
        AISTACK_HOME=str(workdir / "mcp-home"),
        MCP_PORT=str(port),
        RAG_URL=rag_url,
        GATEWAY_API_KEYS=KEY,
        MCP_ALLOWED_HOSTS=PUBLIC_HOST,
        **extra,
    )
    return start_service("mcp", env, port, workdir / "logs", cwd=workdir, wait=wait, timeout_s=120)


def run_cli(rag_url: str, *args: str, cwd: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    """``aistack <args>`` as a user runs it, against ``rag_url``."""
    return subprocess.run(
        [AISTACK, *args],
        env=clean_env(RAG_URL=rag_url, COLUMNS="120", **extra),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def rag_documents(rag_url: str, domain: str | None = None) -> list[dict[str, Any]]:
    params = {"domain": domain} if domain else {}
    response = httpx.get(f"{rag_url}/documents", params=params, timeout=30)
    response.raise_for_status()
    return list(response.json()["data"])


@dataclass(frozen=True)
class Ingested:
    """The session's rag-api, after `aistack mcp ingest` ran twice."""

    rag: ServiceProcess
    first: subprocess.CompletedProcess[str]
    second: subprocess.CompletedProcess[str]
    injection_document: dict[str, Any]


@pytest.fixture(scope="session")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ingested]:
    workdir = tmp_path_factory.mktemp("mcp-rag")
    rag = start_rag(workdir)
    try:
        first = run_cli(rag.base_url, "mcp", "ingest", cwd=workdir)
        second = run_cli(rag.base_url, "mcp", "ingest", cwd=workdir)
        # The injection test document goes in as a user's chem document would.
        response = httpx.post(
            f"{rag.base_url}/ingest",
            json={
                "documents": [
                    {"source": INJECTION.name, "text": INJECTION.read_text(), "domain": "chem"}
                ]
            },
            timeout=300,
        )
        response.raise_for_status()
        (injection,) = response.json()["results"]
        yield Ingested(rag, first, second, injection)
    finally:
        rag.stop()


@pytest.fixture(scope="session")
def mcp_service(
    ingested: Ingested, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceProcess]:
    service = start_mcp(tmp_path_factory.mktemp("mcp"), ingested.rag.base_url)
    assert service.proc.poll() is None, service.output()
    try:
        yield service
    finally:
        service.stop()


@asynccontextmanager
async def mcp_client(
    url: str, mode: str = "auto", key: str = KEY, **headers: str
) -> AsyncIterator[Client]:
    """The official client on ``url`` with the bearer key (and any other headers)."""
    timeout = httpx2.Timeout(60, connect=5)
    async with (
        httpx2.AsyncClient(
            headers={"Authorization": f"Bearer {key}", **headers}, timeout=timeout
        ) as http,
        Client(
            streamable_http_client(url, http_client=http), mode=mode, read_timeout_seconds=60
        ) as client,
    ):
        yield client
