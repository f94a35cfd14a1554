"""RagEngine: the store, the model and the components, built from settings and warmed up once.

Created in the lifespan (never at import). Everything here is synchronous; routes call it from
a worker thread so a long ingest never blocks the event loop (``/ready``, ``/retrieve`` keep
answering while a batch is embedded).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from haystack import Document

from services.kit.embedding import resolve_model
from services.kit.logging import get_logger
from services.rag.components.bm25_sparse_embedder import Bm25SparseEmbedder
from services.rag.components.domain_classifier import DomainClassifier
from services.rag.components.hybrid_retriever import HybridRetriever, Mode
from services.rag.components.rerankers import RERANKERS
from services.rag.ingest import Ingestor
from services.rag.settings import Settings
from services.rag.store.base import ChunkStore, VectorSpec

log = get_logger(__name__)


def open_store(settings: Settings, dense_size: int) -> ChunkStore:
    """The server store when QDRANT_URL is set, else the embedded one under the data folder.

    The server store waits for the server to answer (RAG_QDRANT_WAIT_S, with backoff): in
    the cluster Qdrant may start after rag-api.

    Raises:
        StoreConfigError: the collection exists with other vectors (or another model).
        StoreUnavailableError: the Qdrant server did not answer in time.
    """
    spec = VectorSpec(dense_size=dense_size)
    if settings.qdrant_url:
        from services.rag.store.server import ServerChunkStore, wait_for_server_store

        url = settings.qdrant_url
        return wait_for_server_store(
            lambda: ServerChunkStore(
                url,
                settings.rag_collection,
                spec,
                api_key=settings.qdrant_api_key,
                timeout_s=settings.http_read_timeout_s,
            ),
            url,
            settings.rag_qdrant_wait_s,
        )
    from services.rag.store.edge import EdgeChunkStore

    root = settings.data_dir / settings.rag_collection
    return EdgeChunkStore(root, spec, model=settings.embedding_model)


@dataclass
class Embedders:
    """The dense model behind Haystack's embedders (one SentenceTransformer, shared)."""

    document: Any
    text: Any

    @property
    def model(self) -> Any:
        """The SentenceTransformer itself (raw throughput, token counts, /v1/embeddings)."""
        return self.text.embedding_backend.model

    @property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension())

    def embed(self, texts: list[str]) -> list[list[float]]:
        vectors = self.model.encode(
            texts,
            batch_size=64,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return vectors.tolist()


def load_embedders(settings: Settings) -> Embedders:
    """Load the embedding model (seconds; call from the lifespan or a fixture)."""
    from haystack_integrations.components.embedders.sentence_transformers import (
        SentenceTransformersDocumentEmbedder,
        SentenceTransformersTextEmbedder,
    )

    if settings.rag_torch_threads:
        import torch

        torch.set_num_threads(settings.rag_torch_threads)
    path = resolve_model(settings.embedding_model)
    common = {
        "model": path,
        "device": None,
        "token": None,
        "normalize_embeddings": True,
        "progress_bar": False,
        "local_files_only": True,
    }
    document = SentenceTransformersDocumentEmbedder(
        batch_size=settings.rag_embed_batch_size, **common
    )
    text = SentenceTransformersTextEmbedder(**common)
    # The backend factory caches by parameters: both embedders share one loaded model.
    document.warm_up()
    text.warm_up()
    log.info("embedding model loaded", model=settings.embedding_model, path=path)
    return Embedders(document, text)


class RagEngine:
    """Ingest and retrieve over one store with one model.

    Args:
        settings: the service settings.
        embedders: loaded embedders (see :func:`load_embedders`).
        store: an open store (see :func:`open_store`).
    """

    def __init__(self, settings: Settings, embedders: Embedders, store: ChunkStore) -> None:
        self.settings = settings
        self.embedders = embedders
        self.store = store
        self.sparse = Bm25SparseEmbedder()
        self.sparse.warm_up()
        self.classifier = DomainClassifier(embedders.embed)
        self.classifier.warm_up()
        self.ingestor = Ingestor(
            store,
            embedders.document,
            self.classifier,
            self.sparse,
            chunk_words=settings.rag_chunk_words,
            overlap_words=settings.rag_chunk_overlap_words,
            max_file_bytes=settings.rag_max_file_bytes,
            embed_batch=settings.rag_embed_batch_size,
        )
        self.retriever = HybridRetriever(
            store,
            embedders.text,
            self.sparse,
            rrf_k=settings.rag_rrf_k,
            candidates=settings.rag_candidates,
            dense_weight=settings.rag_dense_weight,
            sparse_weight=settings.rag_sparse_weight,
        )
        self.ranker = RERANKERS[settings.rag_reranker](settings)

    def retrieve(
        self,
        query: str,
        top_k: int = 10,
        filters: dict[str, Any] | None = None,
        domain_weights: dict[str, float] | None = None,
        prefer_hard_facts: bool = False,
        mode: Mode = "hybrid",
    ) -> list[Document]:
        """Best ``top_k`` chunks for ``query``.

        Raises:
            InvalidRequestError: malformed filters.
        """
        candidates = self.retriever.run(query=query, top_k=top_k, filters=filters, mode=mode)[
            "documents"
        ]
        ranked = self.ranker.run(
            documents=candidates,
            top_k=top_k,
            domain_weights=domain_weights,
            prefer_hard_facts=prefer_hard_facts,
        )
        return ranked["documents"]

    def close(self) -> None:
        self.store.close()
