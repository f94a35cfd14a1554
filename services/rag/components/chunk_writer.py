"""ChunkWriter: write embedded chunks to the store (upsert by content-derived id).

Re-writing a chunk that exists replaces it with identical data, so a re-run after a crash is
safe; the ingest pipeline skips chunks already stored before embedding them anyway.
"""

from __future__ import annotations

from typing import Any

from haystack import Document, component

from services.rag.store.base import ChunkStore


@component
class ChunkWriter:
    """Upsert documents into a :class:`~services.rag.store.base.ChunkStore`."""

    def __init__(self, store: ChunkStore) -> None:
        self.store = store

    @component.output_types(documents_written=int)
    def run(self, documents: list[Document]) -> dict[str, Any]:
        return {"documents_written": self.store.write(documents)}
