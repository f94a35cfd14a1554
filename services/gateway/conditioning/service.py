"""Conditioning as the routes use it: facts + domain weights, cached per prompt text."""

from __future__ import annotations

import asyncio
from typing import Any, NamedTuple

from services.gateway.conditioning.domains import DomainScorer
from services.gateway.conditioning.extract import Conditioning, Extractor, RetrievalParams
from services.kit.schemas import last_user_text
from services.kit.vocabulary import DEFAULT_TOP_K, shares_to_multipliers

# Numbers and limits are answered from the stack's default handful of hard facts; an open
# question gets more context.
OPEN_QUESTION_TOP_K = DEFAULT_TOP_K + 3


class _Derived(NamedTuple):
    conditioning: Conditioning
    # The same as it travels beside the messages, dumped once: dumping a model costs more
    # than the lookup. Shared between requests, so never modified.
    wire: dict[str, Any]


class ConditioningService:
    def __init__(self, extractor: Extractor, scorer: DomainScorer, cache_size: int = 4096) -> None:
        self.extractor = extractor
        self.scorer = scorer
        # Repeated prompts (retries, Cursor re-sending a conversation) cost a dict lookup; an
        # embedding costs milliseconds of CPU. Oldest entries go first when it is full.
        self._cache: dict[str, _Derived] = {}
        self._cache_size = cache_size

    def warm_up(self) -> None:
        """Load the embedding model, pint's registry and the patterns before the first request."""
        self.scorer.warm_up()
        self._derive("warm up at 1 bar in kPa, must not exceed 2 bar.")

    def _derive(self, text: str) -> _Derived:
        facts = self.extractor.run(text)
        weights = self.scorer.run(text)
        hard = bool(facts.quantities or facts.constraints or facts.target_units)
        retrieval = RetrievalParams(
            top_k=DEFAULT_TOP_K if hard else OPEN_QUESTION_TOP_K,
            domain_weights=shares_to_multipliers(weights),
            prefer_hard_facts=hard,
        )
        result = Conditioning(**facts.model_dump(), domain_weights=weights, retrieval=retrieval)
        return _Derived(result, result.model_dump())

    def _remember(self, text: str, derived: _Derived) -> _Derived:
        if len(self._cache) >= self._cache_size:
            self._cache.pop(next(iter(self._cache)))
        self._cache[text] = derived
        return derived

    async def _lookup(self, text: str) -> _Derived:
        cached = self._cache.get(text)
        if cached is not None:
            return cached
        # A new prompt is embedded on a worker thread: milliseconds of CPU on the event loop
        # would stall every request in flight.
        return self._remember(text, await asyncio.to_thread(self._derive, text))

    def for_text(self, text: str) -> Conditioning:
        cached = self._cache.get(text) or self._remember(text, self._derive(text))
        return cached.conditioning

    async def for_text_async(self, text: str) -> Conditioning:
        """As :meth:`for_text`, without blocking the event loop."""
        return (await self._lookup(text)).conditioning

    async def for_messages(self, messages: list[dict[str, Any]]) -> Conditioning:
        return await self.for_text_async(last_user_text(messages))

    async def wire_for_messages(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        """:meth:`for_messages` as the JSON-ready dict sent beside the messages. Shared
        between requests: read it, do not modify it."""
        return (await self._lookup(last_user_text(messages))).wire
