"""The store contract: one interface, two implementations (embedded engine, Qdrant server).

A chunk is a Haystack :class:`~haystack.Document` whose ``id`` is a UUID string derived from
its content, with a dense ``embedding`` and a BM25 ``sparse_embedding``; its ``meta`` is the
Qdrant payload. Both implementations store the same named vectors:

* ``dense``: the sentence embedding (cosine);
* ``bm25``: term-frequency sparse vectors from qdrant-edge's ``Bm25`` with the IDF modifier, so
  document frequencies live in the engine and nothing is rebuilt per query.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from haystack import Document
from haystack.dataclasses import SparseEmbedding

DENSE = "dense"
SPARSE = "bm25"
# Payload fields with a keyword index: what filters and document listing touch.
KEYWORD_FIELDS = ("document_id", "source", "domain", "tags", "constraint_kinds", "quantity_kinds")
BOOL_FIELDS = ("hard_fact",)


@dataclass(frozen=True)
class VectorSpec:
    """What the settings ask of a collection; compared with what exists at start-up."""

    dense_size: int
    distance: str = "Cosine"
    sparse_modifier: str = "Idf"

    def differences(self, dense_size: int | None, distance: str | None, sparse: bool) -> list[str]:
        """Human-readable differences between this spec and an existing collection."""
        problems = []
        if dense_size is None:
            problems.append(f"no '{DENSE}' vector (expected {self.dense_size}-d {self.distance})")
        else:
            if dense_size != self.dense_size:
                problems.append(
                    f"'{DENSE}' vector size is {dense_size}, the embedding model gives "
                    f"{self.dense_size}"
                )
            if distance is not None and distance.lower() != self.distance.lower():
                problems.append(f"'{DENSE}' distance is {distance}, expected {self.distance}")
        if not sparse:
            problems.append(f"no '{SPARSE}' sparse vector")
        return problems


@dataclass(frozen=True)
class Hit:
    """One scored chunk from one retrieval leg."""

    id: str
    score: float
    payload: dict[str, Any]


class ChunkStore(Protocol):
    """What the service needs from Qdrant. Implementations are synchronous and thread-safe."""

    def count(self) -> int: ...

    def existing_ids(self, ids: Sequence[str]) -> set[str]: ...

    def write(self, documents: Sequence[Document]) -> int: ...

    def search(
        self,
        dense: Sequence[float] | None,
        sparse: SparseEmbedding | None,
        filters: dict[str, Any] | None,
        limit: int,
    ) -> tuple[list[Hit], list[Hit]]:
        """Dense and sparse legs, each best first (an empty list for a leg not asked)."""
        ...

    def get(self, ids: Sequence[str]) -> list[Hit]: ...

    def iter_payloads(self, fields: Sequence[str]) -> Iterator[dict[str, Any]]: ...

    def delete_document(self, document_id: str) -> int: ...

    def optimize(self) -> None:
        """Build the search indexes (a no-op where the server runs its own optimizers)."""
        ...

    def ping(self) -> None: ...

    def close(self) -> None: ...


def hit_to_document(hit: Hit, score: float | None = None) -> Document:
    """A stored chunk as a Document (``score``: None for a lookup, not a search)."""
    payload = dict(hit.payload)
    content = payload.pop("content", "")
    return Document(id=hit.id, content=content, meta=payload, score=score)


def document_payload(doc: Document) -> dict[str, Any]:
    """The payload stored with a chunk: its meta plus its text."""
    return {**doc.meta, "content": doc.content or ""}
