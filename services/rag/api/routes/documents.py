"""Documents and chunks in the store.

* ``GET /documents`` (optional ``?domain=`` / ``?source=``): ``{"object": "list", "data":
  [{"id", "source", "domains", "content_type", "chunks", "tags", "ingested_at"}]}`` sorted by
  source then id. A document is one ingested file or text; its id is derived from its name and
  bytes.
* ``DELETE /documents/{id}``: removes every chunk of the document →
  ``{"id", "object": "document", "deleted": true, "chunks": n}``; 404 when it is unknown.
* ``GET /chunks/{chunk_id}``: resolves a citation → ``{"id", "content", "score": null, "meta",
  "citation"}``; 404 when it is unknown. Chunk ids are stable across restarts and re-ingestion.
"""

from __future__ import annotations

import uuid
from typing import Any

import anyio
from fastapi import APIRouter

from services.kit.errors import NotFoundError
from services.rag.citations import chunk_view
from services.rag.deps import EngineDep
from services.rag.store.base import hit_to_document

router = APIRouter(tags=["documents"])
_FIELDS = ("document_id", "source", "domain", "content_type", "tags", "ingested_at")


def _summaries(engine: Any, domain: str | None, source: str | None) -> list[dict[str, Any]]:
    docs: dict[str, dict[str, Any]] = {}
    for payload in engine.store.iter_payloads(_FIELDS):
        doc_id = payload.get("document_id")
        if not doc_id:
            continue
        entry = docs.setdefault(
            doc_id,
            {
                "id": doc_id,
                "object": "document",
                "source": payload.get("source"),
                "domains": set(),
                "content_type": payload.get("content_type"),
                "chunks": 0,
                "tags": payload.get("tags") or [],
                "ingested_at": payload.get("ingested_at"),
            },
        )
        entry["chunks"] += 1
        if payload.get("domain"):
            entry["domains"].add(payload["domain"])
        stamp = payload.get("ingested_at")
        if stamp and (entry["ingested_at"] is None or stamp < entry["ingested_at"]):
            entry["ingested_at"] = stamp
    out = []
    for entry in docs.values():
        entry["domains"] = sorted(entry["domains"])
        if domain and domain not in entry["domains"]:
            continue
        if source and entry["source"] != source:
            continue
        out.append(entry)
    return sorted(out, key=lambda e: (str(e["source"]), e["id"]))


@router.get("/documents")
async def list_documents(
    engine: EngineDep, domain: str | None = None, source: str | None = None
) -> dict[str, Any]:
    data = await anyio.to_thread.run_sync(_summaries, engine, domain, source)
    return {"object": "list", "data": data}


@router.delete("/documents/{document_id}")
async def delete_document(document_id: str, engine: EngineDep) -> dict[str, Any]:
    removed = await anyio.to_thread.run_sync(engine.store.delete_document, document_id)
    if not removed:
        raise NotFoundError(
            f"no document with id {document_id!r}", param="document_id", code="document_not_found"
        )
    return {"id": document_id, "object": "document", "deleted": True, "chunks": removed}


@router.get("/chunks/{chunk_id}")
async def get_chunk(chunk_id: str, engine: EngineDep) -> dict[str, Any]:
    try:
        uuid.UUID(chunk_id)
    except ValueError:
        raise NotFoundError(
            f"no chunk with id {chunk_id!r} (chunk ids are UUIDs)",
            param="chunk_id",
            code="chunk_not_found",
        ) from None
    hits = await anyio.to_thread.run_sync(engine.store.get, [chunk_id])
    if not hits:
        raise NotFoundError(
            f"no chunk with id {chunk_id!r}", param="chunk_id", code="chunk_not_found"
        )
    return chunk_view(hit_to_document(hits[0]))
