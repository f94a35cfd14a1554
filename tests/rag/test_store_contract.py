"""Both chunk stores pass the same contract (tests/rag/store_contract.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.rag.engine import Embedders
from services.rag.store.base import VectorSpec
from services.rag.store.edge import EdgeChunkStore
from services.rag.store.server import ServerChunkStore
from tests.rag.store_contract import ChunkStoreContract

pytestmark = pytest.mark.unit


class TestEmbeddedEngineStore(ChunkStoreContract):
    """qdrant-edge on disk: the local stack's store."""

    @pytest.fixture
    def store(self, tmp_path: Path, embedders: Embedders) -> Iterator[EdgeChunkStore]:
        store = EdgeChunkStore(tmp_path / "chunks", VectorSpec(embedders.dimension), model="m")
        yield store
        store.close()


class TestServerStore(ChunkStoreContract):
    """qdrant-client against a collection (in-process mode: the same client API as a server)."""

    @pytest.fixture
    def store(self, embedders: Embedders) -> Iterator[ServerChunkStore]:
        store = ServerChunkStore(":memory:", "chunks", VectorSpec(embedders.dimension))
        yield store
        store.close()
