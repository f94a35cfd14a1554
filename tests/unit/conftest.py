"""Unit-test fixtures that are expensive enough to build once per session."""

from __future__ import annotations

import pytest

from services.gateway.conditioning.domains import DomainScorer
from services.gateway.conditioning.extract import Extractor
from services.gateway.conditioning.service import ConditioningService
from services.kit.embedding import Embedder


@pytest.fixture(scope="session")
def conditioning_service() -> ConditioningService:
    """The real conditioning service with the real all-MiniLM-L6-v2 (loaded once)."""
    service = ConditioningService(
        Extractor(), DomainScorer(Embedder("sentence-transformers/all-MiniLM-L6-v2"))
    )
    service.warm_up()
    return service
