"""The retrieve node: evidence from rag-api, framed after the conditioning, with citations.

The planner decides what to retrieve (services/orchestrator/graph/planner.py): documents
weighted to the question's domains (the gateway's multipliers, services/kit/vocabulary.py,
passed on unchanged) or, for a question about a recording, its technical transcript passages
only. If rag-api cannot answer, the chat goes on without evidence and the frame says so:
retrieval improves an answer, it must not prevent one.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import trace

from services.kit.peer import PeerClient
from services.kit.vocabulary import DEFAULT_TOP_K
from services.orchestrator.errors import RetrievalError
from services.orchestrator.graph.state import ChatState, ContextBlock
from services.orchestrator.graph.steps import run_step, step_timeout


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


def evidence_block(documents: list[dict[str, Any]], first: int = 1) -> ContextBlock:
    lines = [
        f"[{i}] ({_label(d['citation'])}) {d['content'].strip()}"
        for i, d in enumerate(documents, start=first)
    ]
    return {
        "title": "Evidence from your documents (cite as [n])",
        "text": "\n\n".join(lines),
    }


class RetrieveNode:
    def __init__(self, client: PeerClient, step_timeout_s: float) -> None:
        self.client = client
        self.step_timeout_s = step_timeout_s

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
        action, *rest = state["plan"]
        timeout = step_timeout(state, self.step_timeout_s)
        documents, step, note = await run_step(
            "retrieve",
            action["tool"],
            {k: v for k, v in action["arguments"].items() if k != "query"},
            self.search(action["arguments"]),
            timeout,
            "rag-api",
        )
        update: dict[str, Any] = {
            "plan": rest,
            "steps": [*state.get("steps", []), step],
            "steps_taken": state.get("steps_taken", 0) + 1,
        }
        if documents is None:
            update["notes"] = [*state.get("notes", []), f"no evidence: {note}"]
            return update
        step["detail"] = f"{len(documents)} passage(s); {action['why']}"
        if not documents:
            return update
        known = state.get("citations", [])
        citations = [
            {"index": i, **d["citation"]} for i, d in enumerate(documents, start=len(known) + 1)
        ]
        trace.get_current_span().set_attribute(
            "aistack.citations", [str(c.get("chunk_id")) for c in citations]
        )
        update["context"] = [
            *state.get("context", []),
            evidence_block(documents, first=len(known) + 1),
        ]
        update["citations"] = [*known, *citations]
        return update
