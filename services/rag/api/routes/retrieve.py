"""``POST /retrieve``: hybrid (dense + BM25) search with domain weights, filters and citations.

Request::

    {"query": "tightening torque M12x1.75", "top_k": 5,
     "domain_weights": {"mech": 1.5, "chem": 0.5},   # multipliers; missing = 1, 0 hides
     "filters": {"domain": ["mech", "materials"], "source": "bolting.pdf", "tags": "plant-a",
                 "hard_fact": true, "constraint_kinds": "hazard", "quantity_kinds": "pressure",
                 "document_id": "..."},               # one value or a list (any of); ANDed
     "prefer_hard_facts": false,                      # boost chunks stating numbers/limits
     "mode": "hybrid"}                                # or "dense" / "sparse"

Answer::

    {"object": "list", "query": "...",
     "documents": [{"id": "<chunk uuid>", "content": "...", "score": 0.031,
                    "meta": {"domain", "source", "quantities", "constraints", "legs", ...},
                    "citation": {"chunk_id", "document_id", "source", "page"?, "offset_start",
                                 "offset_end", "start_s"?, "end_s"?, "heading"?,
                                 "ingested_at"}}]}

``meta.legs`` gives the chunk's rank in each leg that found it (``dense``, ``bm25``).
Ties are broken by chunk id, so the same store and request always give the same order.
"""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import APIRouter

from services.kit.errors import InvalidRequestError
from services.rag.api.schemas import RetrieveRequest
from services.rag.citations import chunk_view
from services.rag.deps import EngineDep, SettingsDep

router = APIRouter(tags=["retrieve"])


@router.post("/retrieve")
async def retrieve(body: RetrieveRequest, engine: EngineDep, settings: SettingsDep) -> Any:
    if body.top_k > settings.rag_max_top_k:
        raise InvalidRequestError(
            f"top_k may be at most {settings.rag_max_top_k} (RAG_MAX_TOP_K)", param="top_k"
        )
    if any(w < 0 for w in body.domain_weights.values()):
        raise InvalidRequestError("domain weights must be >= 0", param="domain_weights")
    docs = await anyio.to_thread.run_sync(
        lambda: engine.retrieve(
            body.query,
            top_k=body.top_k,
            filters=body.filters,
            domain_weights=dict(body.domain_weights),
            prefer_hard_facts=body.prefer_hard_facts,
            mode=body.mode,
        )
    )
    return {"object": "list", "query": body.query, "documents": [chunk_view(d) for d in docs]}
