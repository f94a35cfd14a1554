"""Conditioning as the routes use it: cached per prompt text, off with GATEWAY_CONDITIONING."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from services.gateway.conditioning.extract import Conditioning, Extractor, last_user_text


class ConditioningService:
    def __init__(self, extractor: Extractor, cache_size: int = 4096) -> None:
        self.extractor = extractor
        # Repeated prompts (retries, Cursor re-sending a conversation) cost a dict lookup.
        self._cached = lru_cache(maxsize=cache_size)(extractor.run)

    def warm_up(self) -> None:
        """Build pint's registry and the patterns now rather than on the first request."""
        self._cached("warm up at 1 bar in kPa, must not exceed 2 bar.")

    def for_text(self, text: str) -> Conditioning:
        return self._cached(text)

    def for_messages(self, messages: list[dict[str, Any]]) -> Conditioning:
        return self._cached(last_user_text(messages))
