"""The retrieve node against rag-api's wire format (rag-api a fake peer on loopback)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import ExitStack

import httpx
import pytest

from services.kit.peer import PeerClient
from services.kit.settings import StackSettings
from services.kit.vocabulary import DEFAULT_TOP_K, DOMAINS, shares_to_multipliers
from services.orchestrator.graph.builder import build_graph
from services.orchestrator.graph.generate import GenerateNode
from services.orchestrator.graph.retrieve import RetrieveNode, retrieval_request
from tests.handler_server import Handler, closed_port_url, serve_handler
from tests.unit.test_orchestrator_graph import RecordingLLM, state


def retrieval(question: str, conditioning: dict | None) -> dict:
    """The planner's retrieval step for ``question``."""
    return {
        "kind": "retrieve",
        "tool": "documents",
        "arguments": retrieval_request(question, conditioning),
        "why": "evidence",
    }


pytestmark = pytest.mark.unit

DOC = {
    "id": "c1",
    "content": "The ZX9 alloy has a yield strength of 910 MPa.",
    "score": 0.03,
    "meta": {"domain": "materials"},
    "citation": {"chunk_id": "c1", "document_id": "d1", "source": "zx9.pdf", "page": 2},
}


MakeNode = Callable[..., RetrieveNode]


@pytest.fixture
async def node() -> AsyncIterator[MakeNode]:
    """``node(handler)``: a retrieve node whose rag-api is ``handler`` on loopback
    (``node(url=...)``: whatever listens there)."""
    clients: list[PeerClient] = []
    with ExitStack() as servers:

        def make(handler: Handler | None = None, url: str | None = None) -> RetrieveNode:
            base = url or servers.enter_context(serve_handler(handler))
            clients.append(PeerClient(StackSettings(), base, name="rag-api"))
            return RetrieveNode(clients[-1], step_timeout_s=5)

        yield make
        for client in clients:
            await client.aclose()


def test_the_conditioning_multipliers_reach_rag_api_unchanged() -> None:
    conditioning = {
        "retrieval": {
            "top_k": 6,
            "domain_weights": {"chem": 0.6, "mech": 0.9, "materials": 1.5},
            "prefer_hard_facts": True,
        }
    }
    request = retrieval_request("q", conditioning)
    assert request["top_k"] == 6 and request["prefer_hard_facts"] is True
    assert request["domain_weights"] == {"chem": 0.6, "mech": 0.9, "materials": 1.5}
    assert retrieval_request("q", None) == {
        "query": "q", "top_k": DEFAULT_TOP_K, "domain_weights": {}, "prefer_hard_facts": False,
    }  # fmt: skip


def test_shares_become_multipliers_where_even_is_neutral() -> None:
    shares = {"chem": 0.2, "mech": 0.3, "materials": 0.5}
    assert shares_to_multipliers(shares) == {"chem": 0.6, "mech": 0.9, "materials": 1.5}
    even = shares_to_multipliers(dict.fromkeys(DOMAINS, 1 / 3))
    assert set(even.values()) == {1.0}


async def test_evidence_follows_the_conditioning_and_citations_come_back(node: MakeNode) -> None:
    sent: list[dict] = []

    def rag(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(200, json={"object": "list", "documents": [DOC]})

    llm = RecordingLLM()
    graph = build_graph(GenerateNode(llm), retrieve=node(rag))
    question = "Yield strength of ZX9 must not exceed what?"
    conditioning = {"constraints": ["must not exceed"], "retrieval": {"top_k": 3}}
    s = state(stream=False, plan=[retrieval(question, conditioning)], conditioning=conditioning)
    s["messages"] = [{"role": "user", "content": question}]
    result = await graph.ainvoke(s)
    assert sent[0]["query"] == s["messages"][0]["content"] and sent[0]["top_k"] == 3
    frame = llm.calls[0][0]["content"]
    assert frame.index("## Constraints") < frame.index("## Evidence")
    assert "[1] (zx9.pdf, p. 2) The ZX9 alloy" in frame
    assert result["completion"]["citations"] == [{"index": 1, **DOC["citation"]}]


async def test_streamed_answers_carry_citations_on_the_last_content_chunk(node: MakeNode) -> None:
    graph = build_graph(
        GenerateNode(RecordingLLM()),
        retrieve=node(lambda r: httpx.Response(200, json={"documents": [DOC]})),
    )
    s = state(stream=True, plan=[retrieval("ZX9?", None)])
    chunks = [c async for c in graph.astream(s, stream_mode="custom")]
    assert "citations" not in chunks[0]
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["citations"][0]["source"] == "zx9.pdf"


@pytest.mark.parametrize(
    "trouble",
    [
        lambda r: httpx.Response(503, json={"error": {"message": "store closed"}}),
        "refused",
        lambda r: httpx.Response(200, content=b"not json"),
    ],
)
async def test_rag_trouble_degrades_to_an_answer_without_evidence(trouble, node: MakeNode) -> None:
    llm = RecordingLLM()
    retrieve = node(url=closed_port_url()) if trouble == "refused" else node(trouble)
    graph = build_graph(GenerateNode(llm), retrieve=retrieve)
    result = await graph.ainvoke(state(stream=False, plan=[retrieval("What is 3 bar?", None)]))
    assert "citations" not in result["completion"]
    frame, *conversation = llm.calls[0]
    assert conversation == state(stream=False)["messages"]
    # The answer still comes, and the model is told what it could not use.
    assert "no evidence" in frame["content"] and "rag-api" in frame["content"]
    (step,) = [s for s in result["completion"]["steps"] if s["node"] == "retrieve"]
    assert step["outcome"] == "error"
