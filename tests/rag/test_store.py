"""Deterministic ids, idempotent re-ingest, persistence and configuration checks on the real
embedded engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.rag.engine import Embedders, open_store
from services.rag.errors import StoreConfigError
from services.rag.ingest import IngestItem
from services.rag.store.edge import EdgeChunkStore
from tests.rag.conftest import make_engine, make_settings, text_item

pytestmark = pytest.mark.unit

DOC = "# Pumps\n\n" + " ".join(
    f"Centrifugal pump note {i}: keep the suction head above 2 m and never run dry."
    for i in range(40)
)


def _all_ids(store: EdgeChunkStore) -> list[str]:
    return [p["id"] for p in store.iter_payloads(["document_id"])]


def test_reingesting_changes_nothing(tmp_path: Path, embedders: Embedders) -> None:
    engine = make_engine(tmp_path, embedders, rag_chunk_words=40, rag_chunk_overlap_words=8)
    try:
        first = engine.ingestor.ingest([text_item("pumps.md", DOC, "mech")])[0]
        assert first.error is None and first.new_chunks == first.chunks > 3
        ids = sorted(_all_ids(engine.store))  # type: ignore[arg-type]
        payload = engine.store.get(ids[:1])[0].payload
        again = engine.ingestor.ingest([text_item("pumps.md", DOC, "mech")])[0]
        assert (again.document_id, again.chunks, again.new_chunks) == (
            first.document_id,
            first.chunks,
            0,
        )
        assert sorted(_all_ids(engine.store)) == ids  # type: ignore[arg-type]
        assert engine.store.get(ids[:1])[0].payload == payload  # not even re-stamped
    finally:
        engine.close()


def test_partial_ingest_is_completed_by_a_rerun(tmp_path: Path, embedders: Embedders) -> None:
    engine = make_engine(tmp_path, embedders, rag_chunk_words=40, rag_chunk_overlap_words=8)
    try:
        _, chunks = engine.ingestor.prepare(text_item("pumps.md", DOC))
        # Simulate a crash after the first batch: write only some chunks.
        engine.ingestor._embed_and_write(chunks[:2])
        result = engine.ingestor.ingest([text_item("pumps.md", DOC)])[0]
        assert result.new_chunks == len(chunks) - 2
        ids = _all_ids(engine.store)  # type: ignore[arg-type]
        assert len(ids) == len(set(ids)) == len(chunks)
    finally:
        engine.close()


def test_store_survives_reopen_with_same_ids(tmp_path: Path, embedders: Embedders) -> None:
    engine = make_engine(tmp_path, embedders)
    engine.ingestor.ingest([text_item("a.md", "Nitric acid attacks copper fittings.", "chem")])
    before = engine.retrieve("copper fittings acid", top_k=1)[0]
    engine.close()
    engine = make_engine(tmp_path, embedders)
    try:
        after = engine.retrieve("copper fittings acid", top_k=1)[0]
        assert (after.id, after.content) == (before.id, before.content)
        assert engine.store.get([before.id])[0].payload["source"] == "a.md"
    finally:
        engine.close()


def test_mismatched_collection_fails_naming_the_difference(
    tmp_path: Path, embedders: Embedders
) -> None:
    settings = make_settings(tmp_path)
    open_store(settings, embedders.dimension).close()
    with pytest.raises(StoreConfigError, match="vector size is 384, the embedding model gives 768"):
        open_store(settings, 768)
    other = make_settings(tmp_path, embedding_model="/models/other-model")
    with pytest.raises(StoreConfigError, match=r"embedded with model .*EMBEDDING_MODEL is"):
        open_store(other, embedders.dimension)


def test_delete_document_removes_its_chunks(tmp_path: Path, embedders: Embedders) -> None:
    engine = make_engine(tmp_path, embedders)
    try:
        res = engine.ingestor.ingest(
            [text_item("a.md", "Alpha text about gears."), text_item("b.md", "Beta text.")]
        )
        assert engine.store.delete_document(res[0].document_id or "") == 1
        assert [p["source"] for p in engine.store.iter_payloads(["source"])] == ["b.md"]
        assert engine.store.delete_document("nope") == 0
    finally:
        engine.close()


def test_oversize_and_bad_items_do_not_stop_good_ones(tmp_path: Path, embedders: Embedders) -> None:
    engine = make_engine(tmp_path, embedders, rag_max_file_bytes=1000)
    try:
        results = engine.ingestor.ingest(
            [
                text_item("big.txt", "x " * 600),
                IngestItem(name="run.sh", data=b"echo hi"),
                text_item("ok.txt", "Hydraulic hoses are rated for 250 bar."),
            ]
        )
        big, script, ok = (r.as_json() for r in results)
        assert big["error"]["status"] == 413 and "big.txt" in big["error"]["message"]
        assert "1000 bytes" in big["error"]["message"]
        assert script["error"]["status"] == 415 and "run.sh" in script["error"]["message"]
        assert ok["status"] == "ingested"
    finally:
        engine.close()
