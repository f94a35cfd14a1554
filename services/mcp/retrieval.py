"""rag-api search for one domain, through the kit's peer client."""

from __future__ import annotations

from typing import Any

from services.kit.peer import PeerClient


class Retriever:
    """``POST /retrieve`` filtered to a domain.

    Args:
        rag: a peer client for rag-api.
        timeout_s: between two reads of one search.

    Raises (from :meth:`search`): the kit's peer errors (unreachable 503, timeout 504,
    rejected 4xx).
    """

    def __init__(self, rag: PeerClient, timeout_s: float) -> None:
        self.rag = rag
        self.timeout_s = timeout_s

    async def search(self, domain: str, query: str, top_k: int) -> list[dict[str, Any]]:
        """rag-api's documents (``content``, ``score``, ``meta``, ``citation``), best first."""
        body = {"query": query, "top_k": top_k, "filters": {"domain": [domain]}}
        response = await self.rag.post("/retrieve", json=body, read_timeout_s=self.timeout_s)
        response.raise_for_status()
        return list(response.json()["documents"])

    async def ping(self) -> None:
        """Readiness: rag-api answers ``/health``."""
        response = await self.rag.get("/health", read_timeout_s=self.timeout_s)
        response.raise_for_status()
