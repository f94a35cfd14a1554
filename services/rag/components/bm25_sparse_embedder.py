"""Bm25SparseEmbedder: the lexical leg's sparse vectors, from qdrant-edge's built-in BM25.

Documents get term-frequency vectors (``embed_document``); queries get one weight per unique
token (``embed_query``); the engine applies IDF from its own statistics (``Modifier.Idf``), so
nothing is rebuilt when documents arrive. The same vectors go to the embedded engine and to a
Qdrant server. Identifiers are added in compact form first (services/rag/identifiers.py).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from haystack import Document, component
from haystack.dataclasses import SparseEmbedding

from services.rag.identifiers import sparse_text


@component
class Bm25SparseEmbedder:
    """Set ``sparse_embedding`` on documents (``run``) or embed one query (``embed_query``)."""

    def __init__(self) -> None:
        self._model: Any = None

    def warm_up(self) -> None:
        if self._model is None:
            from qdrant_edge import Bm25

            self._model = Bm25()

    def _bm25(self) -> Any:
        self.warm_up()
        return self._model

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]) -> dict[str, Any]:
        model = self._bm25()
        out = []
        for doc in documents:
            vector = model.embed_document(sparse_text(doc.content or ""))
            sparse = SparseEmbedding(indices=list(vector.indices), values=list(vector.values))
            out.append(replace(doc, sparse_embedding=sparse))
        return {"documents": out}

    def embed_query(self, text: str) -> SparseEmbedding:
        vector = self._bm25().embed_query(sparse_text(text))
        return SparseEmbedding(indices=list(vector.indices), values=list(vector.values))
