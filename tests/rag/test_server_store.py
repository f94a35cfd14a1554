"""The Qdrant-server store through qdrant-client's in-process mode (same client API as a
server): the same sparse vectors, filters, ids and configuration check as the embedded one."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.rag.engine import Embedders, RagEngine
from services.rag.errors import StoreConfigError
from services.rag.store.base import VectorSpec
from services.rag.store.server import ServerChunkStore
from tests.rag.conftest import make_settings, text_item

pytestmark = pytest.mark.unit


def test_server_store_ingests_and_retrieves(tmp_path: Path, embedders: Embedders) -> None:
    settings = make_settings(tmp_path)
    store = ServerChunkStore(":memory:", "chunks", VectorSpec(embedders.dimension))
    engine = RagEngine(settings, embedders, store)
    try:
        results = engine.ingestor.ingest(
            [
                text_item("water.md", "Water (CAS 7732-18-5) boils at 100 °C.", "chem"),
                text_item("bolt.md", "Tighten M12x1.75 class 8.8 bolts to 79 N·m.", "mech"),
            ]
        )
        assert [r.new_chunks for r in results] == [1, 1]
        again = engine.ingestor.ingest(
            [text_item("bolt.md", "Tighten M12x1.75 class 8.8 bolts to 79 N·m.", "mech")]
        )
        assert again[0].new_chunks == 0 and store.count() == 2
        top = engine.retrieve("M12x1.75", top_k=2, mode="sparse")[0]
        assert top.meta["source"] == "bolt.md"
        chem = engine.retrieve("boiling", top_k=5, filters={"domain": "chem"})
        assert [d.meta["source"] for d in chem] == ["water.md"]
        facts = engine.retrieve("bolts", top_k=5, filters={"hard_fact": True})
        assert {d.meta["source"] for d in facts} == {"water.md", "bolt.md"}
        assert store.delete_document(results[0].document_id or "") == 1
    finally:
        engine.close()


def test_server_store_refuses_mismatched_collection() -> None:
    store = ServerChunkStore(":memory:", "chunks", VectorSpec(384))
    with pytest.raises(StoreConfigError, match="vector size is 384, the embedding model gives 768"):
        store._check(VectorSpec(768))
