"""The cluster store: a Qdrant server reached with qdrant-client (``QDRANT_URL``).

Kept thin on purpose: the same named vectors, the same BM25 sparse vectors (computed by the
service with qdrant-edge's ``Bm25``, the server applies IDF), the same payload and filters as the
embedded store. Tests exercise the embedded engine; this one is checked against a server by hand.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from haystack import Document
from haystack.dataclasses import SparseEmbedding

from services.kit.logging import get_logger
from services.rag.errors import StoreConfigError, StoreUnavailableError
from services.rag.store.base import (
    BOOL_FIELDS,
    DENSE,
    KEYWORD_FIELDS,
    SPARSE,
    Hit,
    VectorSpec,
    document_payload,
)
from services.rag.store.filters import client_filter

log = get_logger(__name__)
_PAGE = 1024
# Backoff between attempts while the server does not answer: 0.5 s, doubling, at most 5 s.
_FIRST_PAUSE_S, _MAX_PAUSE_S = 0.5, 5.0


def _not_up_yet(exc: Exception) -> bool:
    """A transport failure or a 5xx: the server is not (yet) answering. Anything else (a
    collection that does not match, a refused API key) will not change by waiting."""
    import httpx
    from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

    if isinstance(exc, UnexpectedResponse):
        return exc.status_code >= 500
    return isinstance(exc, ResponseHandlingException | httpx.TransportError | ConnectionError)


def wait_for_server_store(
    connect: Callable[[], ServerChunkStore],
    url: str,
    wait_s: float,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> ServerChunkStore:
    """``connect()`` until the server answers, for at most ``wait_s`` seconds, with backoff.

    Raises:
        StoreUnavailableError: no answer within ``wait_s`` (names QDRANT_URL).
        StoreConfigError: the collection does not match (at once: waiting cannot fix it).
    """
    deadline = clock() + wait_s
    pause = _FIRST_PAUSE_S
    attempt = 0
    while True:
        attempt += 1
        try:
            return connect()
        except Exception as exc:
            if not _not_up_yet(exc):
                raise
            left = deadline - clock()
            reason = f"{type(exc).__name__}: {exc}"
            if left <= 0:
                raise StoreUnavailableError(
                    f"Qdrant at {url} (QDRANT_URL) did not answer within {wait_s:g}s after "
                    f"{attempt} attempts ({reason}); is the qdrant pod running?"
                ) from None
            pause = min(pause, left)
            log.warning(
                "waiting for qdrant", url=url, attempt=attempt, retry_in_s=pause, reason=reason
            )
            sleep(pause)
            pause = min(pause * 2, _MAX_PAUSE_S)


class ServerChunkStore:
    """A :class:`~services.rag.store.base.ChunkStore` on a Qdrant server collection.

    Raises:
        StoreConfigError: the collection exists with other vectors than ``spec``.
    """

    def __init__(
        self,
        url: str,
        collection: str,
        spec: VectorSpec,
        api_key: str | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        from qdrant_client import QdrantClient, models

        self._m = models
        self.collection = collection
        # ":memory:" is qdrant-client's in-process mode: the same API, used to test this class.
        self.client = (
            QdrantClient(location=":memory:")
            if url == ":memory:"
            else QdrantClient(url=url, api_key=api_key, timeout=int(timeout_s))
        )
        self._lock = threading.Lock()
        if self.client.collection_exists(collection):
            self._check(spec)
        else:
            self.client.create_collection(
                collection,
                vectors_config={
                    DENSE: models.VectorParams(
                        size=spec.dense_size, distance=models.Distance.COSINE
                    )
                },
                sparse_vectors_config={
                    SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)
                },
            )
            # In-process mode ignores payload indexes (and warns); a server needs them.
            for name in KEYWORD_FIELDS if url != ":memory:" else ():
                self.client.create_payload_index(collection, name, models.PayloadSchemaType.KEYWORD)
            for name in BOOL_FIELDS if url != ":memory:" else ():
                self.client.create_payload_index(collection, name, models.PayloadSchemaType.BOOL)
        log.info("qdrant server store open", url=url, collection=collection)

    def _check(self, spec: VectorSpec) -> None:
        params = self.client.get_collection(self.collection).config.params
        vectors = params.vectors if isinstance(params.vectors, dict) else {}
        dense = vectors.get(DENSE)
        sparse = SPARSE in (params.sparse_vectors or {})
        problems = spec.differences(
            dense.size if dense else None,
            str(dense.distance.value) if dense else None,
            sparse,
        )
        if problems:
            raise StoreConfigError(
                f"Qdrant collection {self.collection!r} does not match the settings: "
                + "; ".join(problems)
                + ". Set RAG_COLLECTION to a new name or recreate the collection"
            )

    def count(self) -> int:
        return int(self.client.count(self.collection, exact=True).count)

    def ping(self) -> None:
        self.client.get_collection(self.collection)

    def existing_ids(self, ids: Sequence[str]) -> set[str]:
        if not ids:
            return set()
        found = self.client.retrieve(self.collection, list(ids), with_payload=False)
        return {str(p.id) for p in found}

    def get(self, ids: Sequence[str]) -> list[Hit]:
        found = self.client.retrieve(self.collection, list(ids), with_payload=True)
        return [Hit(str(p.id), 1.0, dict(p.payload or {})) for p in found]

    def search(
        self,
        dense: Sequence[float] | None,
        sparse: SparseEmbedding | None,
        filters: dict[str, Any] | None,
        limit: int,
    ) -> tuple[list[Hit], list[Hit]]:
        m = self._m
        flt = client_filter(filters)
        out: dict[str, list[Hit]] = {}
        if dense is not None:
            res = self.client.query_points(
                self.collection,
                query=list(dense),
                using=DENSE,
                query_filter=flt,
                limit=limit,
                with_payload=True,
            )
            out[DENSE] = [Hit(str(p.id), p.score, dict(p.payload or {})) for p in res.points]
        if sparse is not None and sparse.indices:
            vector = m.SparseVector(indices=sparse.indices, values=sparse.values)
            res = self.client.query_points(
                self.collection,
                query=vector,
                using=SPARSE,
                query_filter=flt,
                limit=limit,
                with_payload=True,
            )
            out[SPARSE] = [Hit(str(p.id), p.score, dict(p.payload or {})) for p in res.points]
        return out.get(DENSE, []), out.get(SPARSE, [])

    def iter_payloads(self, fields: Sequence[str]) -> Iterator[dict[str, Any]]:
        offset = None
        while True:
            records, offset = self.client.scroll(
                self.collection, limit=_PAGE, offset=offset, with_payload=list(fields)
            )
            for record in records:
                yield {"id": str(record.id), **(record.payload or {})}
            if offset is None:
                return

    def write(self, documents: Sequence[Document]) -> int:
        m = self._m
        points = [
            m.PointStruct(
                id=doc.id,
                vector={
                    DENSE: list(doc.embedding or []),
                    SPARSE: m.SparseVector(
                        indices=doc.sparse_embedding.indices, values=doc.sparse_embedding.values
                    ),
                },
                payload=document_payload(doc),
            )
            for doc in documents
            if doc.sparse_embedding is not None
        ]
        if points:
            with self._lock:
                self.client.upsert(self.collection, points, wait=True)
        return len(points)

    def delete_document(self, document_id: str) -> int:
        flt = client_filter({"document_id": document_id})
        n = int(self.client.count(self.collection, count_filter=flt, exact=True).count)
        if n:
            self.client.delete(self.collection, points_selector=self._m.FilterSelector(filter=flt))
        return n

    def optimize(self) -> None:
        """The server runs its optimizers itself."""

    def close(self) -> None:
        self.client.close()
