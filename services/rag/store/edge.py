"""The embedded store: the Qdrant engine itself (qdrant-edge), one shard on disk.

Layout under the data folder: ``<collection>/shard`` (the engine's files, with its write-ahead
log, so a killed process loses at most the write in flight) and ``<collection>/collection.json``
(which model and vector sizes the collection was built with, compared at start-up).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from haystack import Document
from haystack.dataclasses import SparseEmbedding

from services.kit.logging import get_logger
from services.rag.errors import StoreConfigError
from services.rag.store.base import (
    BOOL_FIELDS,
    DENSE,
    KEYWORD_FIELDS,
    SPARSE,
    Hit,
    VectorSpec,
    document_payload,
)
from services.rag.store.filters import edge_filter

log = get_logger(__name__)
_PAGE = 1024


class EdgeChunkStore:
    """A :class:`~services.rag.store.base.ChunkStore` on an embedded qdrant-edge shard.

    Args:
        root: the collection folder (created when missing).
        spec: the vectors the settings ask for.
        model: the embedding model's name, recorded so that a model swap is caught.

    Raises:
        StoreConfigError: the existing collection was built with other vectors or another model.
    """

    def __init__(self, root: Path, spec: VectorSpec, model: str) -> None:
        import qdrant_edge as qe

        self._qe = qe
        self.root = root
        self.spec = spec
        # Writes are serialised (deterministic ids make them idempotent, but the engine's
        # update path is not meant to be raced); reads run concurrently.
        self._write_lock = threading.Lock()
        shard_dir = root / "shard"
        manifest = root / "collection.json"
        wanted = {"model": model, "dense_size": spec.dense_size, "distance": spec.distance}
        if manifest.exists():
            found = json.loads(manifest.read_text())
            problems = spec.differences(found.get("dense_size"), found.get("distance"), True)
            if found.get("model") != model:
                problems.append(
                    f"it was embedded with model {found.get('model')!r}, "
                    f"EMBEDDING_MODEL is {model!r}"
                )
            if problems:
                raise StoreConfigError(self._mismatch(problems))
        config = self._config()
        if shard_dir.exists() and any(shard_dir.iterdir()):
            try:
                self._shard = qe.EdgeShard.load(str(shard_dir), config)
            except Exception as exc:  # noqa: BLE001 - the engine raises a bare Exception here
                raise StoreConfigError(self._mismatch([str(exc)])) from None
        else:
            shard_dir.mkdir(parents=True, exist_ok=True)
            self._shard = qe.EdgeShard.create(str(shard_dir), config)
            self._create_indexes()
        manifest.write_text(json.dumps(wanted, indent=2))
        log.info("embedded store open", path=str(shard_dir), points=self.count())

    def _mismatch(self, problems: list[str]) -> str:
        return (
            f"the collection at {self.root} does not match the settings: "
            + "; ".join(problems)
            + ". Point RAG_DATA_DIR (or RAG_COLLECTION) elsewhere, or delete the folder and "
            "ingest again"
        )

    def _config(self) -> Any:
        qe = self._qe
        return qe.EdgeConfig(
            vectors={
                DENSE: qe.EdgeVectorParams(
                    size=self.spec.dense_size, distance=getattr(qe.Distance, self.spec.distance)
                )
            },
            sparse_vectors={SPARSE: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
        )

    def _create_indexes(self) -> None:
        qe = self._qe
        for name in KEYWORD_FIELDS:
            op = qe.UpdateOperation.create_field_index(name, qe.PayloadSchemaType.Keyword)
            self._shard.update(op)
        for name in BOOL_FIELDS:
            self._shard.update(
                qe.UpdateOperation.create_field_index(name, qe.PayloadSchemaType.Bool)
            )

    # --- reads ---
    def count(self) -> int:
        return int(self._shard.count(self._qe.CountRequest()))

    def ping(self) -> None:
        self.count()

    def existing_ids(self, ids: Sequence[str]) -> set[str]:
        if not ids:
            return set()
        records = self._shard.retrieve(list(ids), with_payload=False, with_vector=False)
        return {str(r.id) for r in records}

    def get(self, ids: Sequence[str]) -> list[Hit]:
        records = self._shard.retrieve(list(ids), with_payload=True, with_vector=False)
        return [Hit(str(r.id), 1.0, dict(r.payload or {})) for r in records]

    def search(
        self,
        dense: Sequence[float] | None,
        sparse: SparseEmbedding | None,
        filters: dict[str, Any] | None,
        limit: int,
    ) -> tuple[list[Hit], list[Hit]]:
        qe = self._qe
        flt = edge_filter(filters)
        requests, legs = [], []
        if dense is not None:
            query = qe.Query.Nearest(list(dense), using=DENSE)
            requests.append(
                qe.QueryRequest(limit=limit, query=query, filter=flt, with_payload=True)
            )
            legs.append(DENSE)
        if sparse is not None and sparse.indices:
            vector = qe.SparseVector(sparse.indices, sparse.values)
            query = qe.Query.Nearest(vector, using=SPARSE)
            requests.append(
                qe.QueryRequest(limit=limit, query=query, filter=flt, with_payload=True)
            )
            legs.append(SPARSE)
        results = self._shard.query_batch(qe.QueryBatchRequest(requests)) if requests else []
        by_leg = {
            leg: [Hit(str(p.id), float(p.score), dict(p.payload or {})) for p in points]
            for leg, points in zip(legs, results, strict=True)
        }
        return by_leg.get(DENSE, []), by_leg.get(SPARSE, [])

    def iter_payloads(self, fields: Sequence[str]) -> Iterator[dict[str, Any]]:
        qe = self._qe
        offset = None
        while True:
            request = qe.ScrollRequest(offset=offset, limit=_PAGE, with_payload=list(fields))
            records, offset = self._shard.scroll(request)
            for record in records:
                yield {"id": str(record.id), **(record.payload or {})}
            if offset is None:
                return

    # --- writes ---
    def write(self, documents: Sequence[Document]) -> int:
        qe = self._qe
        points = []
        for doc in documents:
            if doc.embedding is None or doc.sparse_embedding is None:
                raise ValueError(f"chunk {doc.id} has no dense or sparse embedding")
            sparse = qe.SparseVector(doc.sparse_embedding.indices, doc.sparse_embedding.values)
            points.append(
                qe.Point(
                    doc.id, {DENSE: list(doc.embedding), SPARSE: sparse}, document_payload(doc)
                )
            )
        if not points:
            return 0
        with self._write_lock:
            self._shard.update(qe.UpdateOperation.upsert_points(points))
        return len(points)

    def write_raw(
        self,
        ids: Sequence[str],
        dense: Any,
        sparse: Sequence[Any],
        payloads: Sequence[dict[str, Any]],
    ) -> None:
        """Bulk write of prepared vectors (benchmarks build scale points this way)."""
        qe = self._qe
        points = [
            qe.Point(i, {DENSE: list(map(float, d)), SPARSE: s}, p)
            for i, d, s, p in zip(ids, dense, sparse, payloads, strict=True)
        ]
        with self._write_lock:
            self._shard.update(qe.UpdateOperation.upsert_points(points))

    def delete_document(self, document_id: str) -> int:
        qe = self._qe
        flt = edge_filter({"document_id": document_id})
        with self._write_lock:
            n = int(self._shard.count(qe.CountRequest(filter=flt)))
            if n:
                self._shard.update(qe.UpdateOperation.delete_points_by_filter(flt))
        return n

    def optimize(self) -> None:
        """Build the HNSW and sparse indexes now (the engine does not run optimizers on its own)."""
        with self._write_lock:
            self._shard.optimize()

    def close(self) -> None:
        with self._write_lock:
            self._shard.flush()
            self._shard.close()
