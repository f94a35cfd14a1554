"""The retrieve node: evidence from rag-api, framed after the conditioning, with citations.

The gateway's conditioning says how to retrieve (top-k, domain weights, hard-fact preference);
its domain weights are already rag-api's multipliers (services/kit/vocabulary.py) and pass on
unchanged.
If rag-api cannot answer, the chat goes on without evidence: retrieval improves an answer, it
must not prevent one.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import trace

from services.kit.errors import ServiceError
from services.kit.logging import get_logger
from services.kit.peer import PeerClient
from services.kit.schemas import last_user_text
from services.kit.vocabulary import DEFAULT_TOP_K
from services.orchestrator.errors import RetrievalError
from services.orchestrator.graph.state import ChatState, ContextBlock

log = get_logger(__name__)


def retrieval_request(query: str, conditioning: dict[str, Any] | None) -> dict[str, Any]:
    params = (conditioning or {}).get("retrieval") or {}
    weights = params.get("domain_weights") or {}
    return {
        "query": query[:4096],
        "top_k": int(params.get("top_k") or DEFAULT_TOP_K),
        "domain_weights": dict(weights),
        "prefer_hard_facts": bool(params.get("prefer_hard_facts", False)),
    }


def _label(citation: dict[str, Any]) -> str:
    where = citation.get("source", "?")
    if citation.get("page") is not None:
        where += f", p. {citation['page']}"
    if citation.get("start_s") is not None:
        where += f", {citation['start_s']:.0f}-{citation.get('end_s', 0):.0f} s"
    return where


def evidence_block(documents: list[dict[str, Any]]) -> ContextBlock:
    lines = [
        f"[{i}] ({_label(d['citation'])}) {d['content'].strip()}"
        for i, d in enumerate(documents, start=1)
    ]
    return {
        "title": "Evidence from your documents (cite as [n])",
        "text": "\n\n".join(lines),
    }


class RetrieveNode:
    def __init__(self, client: PeerClient) -> None:
        self.client = client

    async def search(self, request: dict[str, Any]) -> list[dict[str, Any]]:
        """rag-api's documents for ``request``.

        Raises:
            ServiceError: rag-api failed (the kit's peer errors), or RetrievalError when its
                answer holds no document list.
        """
        body = (await self.client.post("/retrieve", json=request)).raise_for_status().json()
        documents = body.get("documents") if isinstance(body, dict) else None
        if not isinstance(documents, list):
            raise RetrievalError(f"{self.client.peer} answered without a 'documents' list")
        return [d for d in documents if isinstance(d, dict) and "content" in d and "citation" in d]

    async def __call__(self, state: ChatState) -> dict[str, Any]:
        query = last_user_text(state["messages"])
        if not query.strip():
            return {}
        try:
            documents = await self.search(retrieval_request(query, state.get("conditioning")))
        except ServiceError as exc:
            log.warning("retrieval failed; answering without evidence", error=str(exc))
            return {}
        if not documents:
            return {}
        citations = [{"index": i, **d["citation"]} for i, d in enumerate(documents, start=1)]
        trace.get_current_span().set_attribute(
            "aistack.citations", [str(c.get("chunk_id")) for c in citations]
        )
        return {
            "context": [*state.get("context", []), evidence_block(documents)],
            "citations": citations,
        }
