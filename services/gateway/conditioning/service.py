"""Conditioning as the routes use it: facts + domain weights, cached per prompt text."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from services.gateway.conditioning.domains import DomainScorer
from services.gateway.conditioning.extract import Conditioning, Extractor, RetrievalParams
from services.kit.schemas import last_user_text

DEFAULT_TOP_K = 8
# Numbers and limits are answered from fewer, harder facts; keep more context otherwise.
HARD_FACT_TOP_K = 6


class ConditioningService:
    def __init__(self, extractor: Extractor, scorer: DomainScorer, cache_size: int = 4096) -> None:
        self.extractor = extractor
        self.scorer = scorer
        # Repeated prompts (retries, Cursor re-sending a conversation) cost a dict lookup;
        # an embedding costs milliseconds of CPU.
        self._cached = lru_cache(maxsize=cache_size)(self._derive)

    def warm_up(self) -> None:
        """Load the embedding model, pint's registry and the patterns before the first request."""
        self.scorer.warm_up()
        self._derive("warm up at 1 bar in kPa, must not exceed 2 bar.")

    def _derive(self, text: str) -> Conditioning:
        facts = self.extractor.run(text)
        weights = self.scorer.run(text)
        hard = bool(facts.quantities or facts.constraints or facts.target_units)
        retrieval = RetrievalParams(
            top_k=HARD_FACT_TOP_K if hard else DEFAULT_TOP_K,
            domain_weights=weights,
            prefer_hard_facts=hard,
        )
        return Conditioning(**facts.model_dump(), domain_weights=weights, retrieval=retrieval)

    def for_text(self, text: str) -> Conditioning:
        return self._cached(text)

    def for_messages(self, messages: list[dict[str, Any]]) -> Conditioning:
        return self._cached(last_user_text(messages))
