"""rag-api fixtures: the real embedding model (loaded once per session), the real embedded
Qdrant engine in a temporary folder, and helpers to build settings explicitly.

tests/conftest.py clears the stack's variables and runs each test in an empty directory, so
every path here is absolute and every setting is passed in.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from services.rag.engine import Embedders, RagEngine, load_embedders, open_store
from services.rag.ingest import IngestItem
from services.rag.settings import Settings, enforce_offline_hub

# The store contract's asserts report their values like a test module's.
pytest.register_assert_rewrite("tests.rag.store_contract")


def make_settings(home: Path, **overrides: Any) -> Settings:
    """Settings from explicit values only (no .env, no environment beyond the cleaned one)."""
    return Settings(_env_file=None, aistack_home=home, **overrides)


@pytest.fixture(scope="session")
def embedders(tmp_path_factory: pytest.TempPathFactory) -> Embedders:
    settings = make_settings(tmp_path_factory.mktemp("model-home"))
    enforce_offline_hub(settings)
    return load_embedders(settings)


def make_engine(home: Path, embedders: Embedders, **overrides: Any) -> RagEngine:
    settings = make_settings(home, **overrides)
    return RagEngine(settings, embedders, open_store(settings, embedders.dimension))


@pytest.fixture
def engine(tmp_path: Path, embedders: Embedders) -> Iterator[RagEngine]:
    eng = make_engine(tmp_path / "home", embedders)
    yield eng
    eng.close()


def text_item(name: str, text: str, domain: str | None = None, **kw: Any) -> IngestItem:
    return IngestItem(name=name, data=text.encode(), domain=domain, **kw)
