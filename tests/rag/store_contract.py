"""The ChunkStore contract as a test mixin, in Haystack's habit (haystack.testing.document_store):
every store the rag-api can run on inherits these tests and supplies one fixture, ``store``.

The chunks are real: dense vectors from the bundled model, BM25 sparse vectors from the same
embedder the ingest pipeline uses, UUID ids as the pipeline derives them.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from haystack import Document

from services.rag.components.bm25_sparse_embedder import Bm25SparseEmbedder
from services.rag.engine import Embedders
from services.rag.store.base import ChunkStore

# name: (text, domain, tags, quantity kinds, constraint kinds), as the ingest pipeline's tagger
# writes them; a hard fact is a chunk with a quantity or a limit/prohibition/hazard statement.
TEXTS = {
    "water": ("Water boils at 100 °C at 1 atm.", "chem", ["lab"], ["temperature"], []),
    "bolt": ("Never exceed 79 N·m on M12 bolts.", "mech", ["plant-a"], [], ["limit"]),
    "steel": ("Stainless steel resists corrosion.", "materials", ["plant-a"], [], []),
}


def chunk_id(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"contract/{name}"))


def make_chunks(embedders: Embedders) -> list[Document]:
    docs = [
        Document(
            id=chunk_id(name),
            content=text,
            embedding=vector,
            meta={
                "document_id": f"doc-{name}",
                "source": f"{name}.md",
                "domain": domain,
                "tags": tags,
                "quantity_kinds": quantities,
                "constraint_kinds": constraints,
                "hard_fact": bool(quantities or constraints),
            },
        )
        for (name, (text, domain, tags, quantities, constraints)), vector in zip(
            TEXTS.items(), embedders.embed([t[0] for t in TEXTS.values()]), strict=True
        )
    ]
    return Bm25SparseEmbedder().run(documents=docs)["documents"]


class ChunkStoreContract:
    """Inherit, and provide ``store`` (an empty store) as a fixture."""

    @pytest.fixture
    def chunks(self, embedders: Embedders) -> list[Document]:
        return make_chunks(embedders)

    @pytest.fixture
    def filled(self, store: ChunkStore, chunks: list[Document]) -> ChunkStore:
        assert store.write(chunks) == len(chunks)
        return store

    def _query(self, embedders: Embedders, text: str) -> tuple[list[float], Any]:
        return embedders.embed([text])[0], Bm25SparseEmbedder().embed_query(text)

    def test_an_empty_store_counts_nothing_and_answers_ping(self, store: ChunkStore) -> None:
        store.ping()
        assert store.count() == 0
        assert store.existing_ids([chunk_id("water")]) == set()

    def test_written_chunks_are_counted_and_known(self, filled: ChunkStore) -> None:
        assert filled.count() == 3
        ids = [chunk_id(n) for n in TEXTS]
        assert filled.existing_ids([*ids, chunk_id("missing")]) == set(ids)

    def test_writing_the_same_chunks_again_adds_nothing(
        self, filled: ChunkStore, chunks: list[Document]
    ) -> None:
        filled.write(chunks)
        assert filled.count() == 3

    def test_get_returns_the_payload_with_its_text(self, filled: ChunkStore) -> None:
        (hit,) = filled.get([chunk_id("bolt")])
        assert hit.id == chunk_id("bolt")
        assert hit.payload["content"] == TEXTS["bolt"][0]
        assert hit.payload["source"] == "bolt.md" and hit.payload["domain"] == "mech"

    def test_dense_and_sparse_legs_rank_the_matching_chunk_first(
        self, filled: ChunkStore, embedders: Embedders
    ) -> None:
        dense, sparse = self._query(embedders, "bolt tightening torque M12")
        dense_hits, sparse_hits = filled.search(dense, sparse, None, 3)
        assert dense_hits[0].id == chunk_id("bolt") and sparse_hits[0].id == chunk_id("bolt")
        assert [h.score for h in dense_hits] == sorted((h.score for h in dense_hits), reverse=True)
        only_dense, no_sparse = filled.search(dense, None, None, 3)
        assert only_dense and no_sparse == []

    @pytest.mark.parametrize(
        ("filters", "expected"),
        [
            ({"domain": "chem"}, {"water"}),
            ({"domain": ["mech", "materials"]}, {"bolt", "steel"}),
            ({"tags": "plant-a"}, {"bolt", "steel"}),
            ({"hard_fact": True}, {"water", "bolt"}),
            ({"hard_fact": False}, {"steel"}),
            ({"source": "steel.md"}, {"steel"}),
        ],
    )
    def test_filters_restrict_both_legs(
        self, filled: ChunkStore, embedders: Embedders, filters: dict, expected: set[str]
    ) -> None:
        dense, sparse = self._query(embedders, "water bolt steel")
        dense_hits, sparse_hits = filled.search(dense, sparse, filters, 10)
        assert {h.payload["source"].removesuffix(".md") for h in dense_hits} == expected
        assert {h.payload["source"].removesuffix(".md") for h in sparse_hits} <= expected

    def test_payloads_can_be_listed_by_field(self, filled: ChunkStore) -> None:
        rows = list(filled.iter_payloads(["document_id", "source"]))
        assert sorted(r["source"] for r in rows) == ["bolt.md", "steel.md", "water.md"]

    def test_delete_document_removes_its_chunks_only(self, filled: ChunkStore) -> None:
        assert filled.delete_document("doc-water") == 1
        assert filled.count() == 2
        assert filled.existing_ids([chunk_id("water")]) == set()
        assert filled.delete_document("doc-water") == 0

    def test_optimize_keeps_every_chunk_searchable(
        self, filled: ChunkStore, embedders: Embedders
    ) -> None:
        filled.optimize()
        dense, sparse = self._query(embedders, "water boiling point")
        dense_hits, _ = filled.search(dense, sparse, None, 3)
        assert filled.count() == 3 and dense_hits[0].id == chunk_id("water")
