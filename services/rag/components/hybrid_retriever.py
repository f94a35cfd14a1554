"""HybridRetriever: dense + BM25 legs from the store, fused by weighted RRF.

``mode`` picks ``hybrid`` (default), ``dense`` or ``sparse`` (benchmarks compare them). Each
result Document carries ``score`` (the fused score) and ``meta["legs"]``: its 1-based rank in
each leg that found it, so a client (or a test) can see why it was retrieved.
"""

from __future__ import annotations

from typing import Any, Literal

from haystack import Document, component

from services.rag.components.bm25_sparse_embedder import Bm25SparseEmbedder
from services.rag.fusion import rrf
from services.rag.store.base import DENSE, SPARSE, ChunkStore

Mode = Literal["hybrid", "dense", "sparse"]


@component
class HybridRetriever:
    """Retrieve chunks for a query.

    Args:
        store: where chunks live.
        text_embedder: a warmed-up Haystack text embedder (``run(text=...)["embedding"]``).
        sparse_embedder: the BM25 query embedder.
        rrf_k: RRF's rank offset.
        candidates: hits taken from each leg before fusion.
        dense_weight, sparse_weight: the legs' RRF weights.
    """

    def __init__(
        self,
        store: ChunkStore,
        text_embedder: Any,
        sparse_embedder: Bm25SparseEmbedder,
        rrf_k: int = 60,
        candidates: int = 50,
        dense_weight: float = 1.0,
        sparse_weight: float = 1.0,
    ) -> None:
        self.store = store
        self.text_embedder = text_embedder
        self.sparse_embedder = sparse_embedder
        self.rrf_k = rrf_k
        self.candidates = candidates
        self.dense_weight = dense_weight
        self.sparse_weight = sparse_weight

    @component.output_types(documents=list[Document])
    def run(
        self,
        query: str,
        top_k: int = 10,
        filters: dict[str, Any] | None = None,
        mode: Mode = "hybrid",
    ) -> dict[str, Any]:
        """Best ``max(top_k, candidates)`` fused chunks (the ranker cuts to ``top_k``).

        Raises:
            InvalidRequestError: malformed ``filters`` (from the store's filter translation).
        """
        dense = self.text_embedder.run(text=query)["embedding"] if mode != "sparse" else None
        sparse = self.sparse_embedder.embed_query(query) if mode != "dense" else None
        limit = max(top_k, self.candidates)
        dense_hits, sparse_hits = self.store.search(dense, sparse, filters, limit)
        legs = {}
        if mode != "sparse":
            legs[DENSE] = (dense_hits, self.dense_weight)
        if mode != "dense":
            legs[SPARSE] = (sparse_hits, self.sparse_weight)
        documents = []
        for fused in rrf(legs, self.rrf_k):
            meta = dict(fused.payload)
            content = meta.pop("content", "")
            meta["legs"] = fused.ranks
            documents.append(Document(id=fused.id, content=content, meta=meta, score=fused.score))
        return {"documents": documents}
