"""Citations: how a retrieved chunk points back to where it came from.

A citation resolves through ``GET /chunks/{chunk_id}``; chunk ids are derived from content, so
they survive restarts and re-ingestion of the same file.
"""

from __future__ import annotations

from typing import Any

from haystack import Document

_FIELDS = (
    "document_id",
    "source",
    "page",
    "offset_start",
    "offset_end",
    "start_s",
    "end_s",
    "heading",
    "ingested_at",
)


def citation(doc: Document) -> dict[str, Any]:
    """``{chunk_id, document_id, source, page?, offset_start, offset_end, start_s?, end_s?,
    heading?, ingested_at}`` for a chunk (absent fields are left out)."""
    out: dict[str, Any] = {"chunk_id": doc.id}
    for name in _FIELDS:
        if doc.meta.get(name) is not None:
            out[name] = doc.meta[name]
    return out


def chunk_view(doc: Document) -> dict[str, Any]:
    """The API's JSON form of a chunk: id, content, score, meta, citation."""
    meta = {k: v for k, v in doc.meta.items() if k != "content"}
    return {
        "id": doc.id,
        "content": doc.content or "",
        "score": doc.score,
        "meta": meta,
        "citation": citation(doc),
    }
