"""`aistack up` starts the mcp service, which loads the baseline corpora on first start; the
chat path then answers from them with citations, and the MCP endpoints take the stack's key."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import openai
import pytest

from tests.integration.stackproc import Stack, start_stack, stop
from tests.mcp.conftest import DOMAINS, mcp_client

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    s = start_stack(tmp_path_factory.mktemp("mcp-stack"), MCP_INGEST_ON_START="true")
    try:
        yield s
    finally:
        stop(s)


def port_of(stack: Stack, name: str) -> int:
    return next(c["port"] for c in stack.state()["components"] if c["name"] == name)


def test_up_starts_mcp_after_rag_api_with_the_corpora_loaded(stack: Stack) -> None:
    names = [c["name"] for c in stack.state()["components"]]
    assert names.index("mcp") == names.index("rag-api") + 1
    status = stack.cli("status")
    assert status.returncode == 0 and "mcp" in status.stdout, status.stdout
    base = f"http://127.0.0.1:{port_of(stack, 'mcp')}"
    ready = httpx.get(f"{base}/ready", timeout=10).json()
    assert ready["checks"] == {"rag-api": "ok", "baseline-corpus": "ok"}
    rag = f"http://127.0.0.1:{port_of(stack, 'rag-api')}"
    listing = httpx.get(f"{rag}/documents", headers=stack.service_headers, timeout=30)
    sources = {d["source"] for d in listing.json()["data"]}
    for domain in DOMAINS:
        assert any(s.startswith(f"mcp/{domain}/") for s in sources), sources


async def test_the_mcp_endpoints_take_the_stacks_key(stack: Stack) -> None:
    base = f"http://127.0.0.1:{port_of(stack, 'mcp')}"
    async with mcp_client(f"{base}/mech/mcp", key=stack.key) as client:
        result = await client.call_tool("constraints", {"subject": "wire rope sling"})
    assert result.structured_content["constraints"][0]["value"] == 5


def test_the_chat_answer_cites_a_baseline_document(stack: Stack) -> None:
    client = openai.OpenAI(base_url=stack.base_url, api_key=stack.key, max_retries=0, timeout=120)
    question = [
        {"role": "user", "content": "What is the OSHA permissible exposure limit for benzene?"}
    ]
    answer = client.chat.completions.create(model="ai-stack", messages=question, max_tokens=8)
    sources = [c["source"] for c in answer.model_extra["citations"]]
    assert "mcp/chem/solvent-hazards.md" in sources, sources


def test_aistack_mcp_ingest_from_a_shell_reaches_the_stack_and_changes_nothing(
    stack: Stack,
) -> None:
    """The corpora loaded on first start; the ingester run by hand (with the stack's own
    service token, read from its state folder) finds them all unchanged."""
    result = stack.cli("mcp", "ingest", timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "unchanged" in result.stdout.lower()
