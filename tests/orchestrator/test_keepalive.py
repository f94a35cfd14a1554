"""Through the gateway, a long tool step before the first token: the stream keeps sending
``: keep-alive`` comments (so proxies and clients do not time out), then the answer."""

from __future__ import annotations

import json
import os
import textwrap
from collections.abc import Iterator
from contextlib import ExitStack

import httpx
import pytest

from tests.conftest import free_port
from tests.scripted_llm import ScriptedLLM, call, say, scripted_llm
from tests.service_process import running_service
from tests.tool_registry.conftest import KEY, Registry

pytestmark = pytest.mark.integration

SLOW_PLUGIN = '''
import time

import pluggy

hookimpl = pluggy.HookimplMarker("aistack")


def slow_lookup(item: str) -> str:
    """Look an item up in a slow archive."""
    time.sleep(2.0)
    return f"{item}: found"


@hookimpl
def aistack_tools():
    return [slow_lookup]
'''


@pytest.fixture
def chain(registry: Registry, tmp_path) -> Iterator[tuple[str, ScriptedLLM]]:
    (registry.plugins / "slow_lookup.py").write_text(textwrap.dedent(SLOW_PLUGIN))
    registry.wait_tool("slow_lookup")
    orch, gateway = free_port(), free_port()
    with ExitStack() as stack:
        llm = stack.enter_context(
            scripted_llm(call("tools__slow_lookup", {"item": "PV-12 record"}), say("Found it."))
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ORCH_", "GATEWAY_"))}
        env.update(
            ORCH_PORT=str(orch), GATEWAY_PORT=str(gateway), GATEWAY_API_KEYS=KEY,
            ORCHESTRATOR_URL=f"http://127.0.0.1:{orch}", LLM_BASE_URL=llm.url,
            LLM_MODEL="scripted-model", LLM_TOOL_CALLING="on", TOOLS_URL=registry.url,
            ORCH_PEER_API_KEY=KEY, ORCH_MCP_DOMAINS="", ORCH_RETRIEVAL="false",
            GATEWAY_KEEPALIVE_S="0.2", GATEWAY_CONDITIONING="false",
        )  # fmt: skip
        stack.enter_context(running_service("orchestrator", env, orch, tmp_path, cwd=tmp_path))
        stack.enter_context(running_service("gateway", env, gateway, tmp_path, cwd=tmp_path))
        try:
            yield f"http://127.0.0.1:{gateway}/v1", llm
        finally:
            registry.remove("slow_lookup.py")


def test_keep_alives_flow_through_a_long_tool_step(chain: tuple[str, ScriptedLLM]) -> None:
    base, llm = chain
    body = {"model": "ai-stack", "stream": True,
            "messages": [{"role": "user", "content": "Find the PV-12 record"}]}  # fmt: skip
    headers = {"Authorization": f"Bearer {KEY}"}
    url = f"{base}/chat/completions"
    with httpx.stream("POST", url, json=body, headers=headers, timeout=60) as response:
        assert response.status_code == 200
        text = "".join(response.iter_text())
    before_first_token = text[: text.index("data: ")]
    # Two seconds of tool work at one comment per 0.2 s: several, whatever the machine's load.
    assert before_first_token.count(": keep-alive") >= 3, text[:300]
    events = [e.removeprefix("data: ") for e in text.split("\n\n") if e.startswith("data: {")]
    answer = "".join(
        c["choices"][0]["delta"].get("content") or ""
        for c in map(json.loads, events)
        if c["choices"]
    )
    assert answer == "Found it."
    assert text.rstrip().endswith("data: [DONE]")
    assert llm.requests[1]["messages"][-1]["content"] == "PV-12 record: found"
