"""Per-key request and token budgets, with the ``limits`` library.

Storage is process memory by default and Redis when ``REDIS_URL`` is set, so that every
gateway replica draws on one budget. Tokens are charged up front from an estimate (prompt
characters / 4 plus the completion budget): the answer's real size is not known until it has
been streamed, and a budget that is charged late lets a burst through.
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any
from urllib.parse import urlsplit

from limits import RateLimitItemPerMinute
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.storage import storage_from_string

from services.gateway.errors import BudgetTooSmallError
from services.kit.errors import RateLimitError, UpstreamUnavailableError
from services.kit.keys import Principal
from services.kit.schemas import ChatCompletionRequest


def storage_uri(redis_url: str | None) -> str:
    if not redis_url:
        return "async+memory://"
    # limits selects its asyncio Redis driver by the "async+" scheme prefix.
    return redis_url if redis_url.startswith("async+") else f"async+{redis_url}"


def estimate_tokens(body: ChatCompletionRequest, default_completion: int) -> int:
    chars = 0
    for message in body.messages:
        if isinstance(message.content, str):
            chars += len(message.content)
        elif isinstance(message.content, list):
            chars += sum(len(str(part.get("text", ""))) for part in message.content)
    completion = body.max_completion_tokens or body.max_tokens or default_completion
    return math.ceil(chars / 4) + completion


# How long a budget check may wait for the shared storage (Redis) before the request is refused.
STORAGE_TIMEOUT_S = 2.0


def _where(redis_url: str | None) -> str:
    """The storage, named without credentials (a Redis URL may carry a password)."""
    if not redis_url:
        return "process memory"
    parts = urlsplit(redis_url)
    return f"Redis at {parts.hostname}:{parts.port or 6379}"


class _Guarded:
    """The limiter with every storage call bounded in time and its failures mapped to a 503
    with retry-after: budgets that cannot be checked are not waved through (fail closed), and
    the gateway answers again by itself once the storage is back."""

    def __init__(self, limiter: SlidingWindowCounterRateLimiter, where: str) -> None:
        self._limiter = limiter
        self._where = where

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._limiter, name)

        async def guarded(*args: Any, **kwargs: Any) -> Any:
            try:
                # asyncio.timeout, not wait_for: wait_for runs the call as a task of its own,
                # two extra tasks per chat on the hot path.
                async with asyncio.timeout(STORAGE_TIMEOUT_S):
                    return await method(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - redis, network and timeout errors alike
                raise UpstreamUnavailableError(
                    f"the rate-limit storage ({self._where}) did not answer "
                    f"({type(exc).__name__}); budgets cannot be checked, retry shortly",
                    headers={"retry-after": "5"},
                ) from None

        return guarded


class RateLimiter:
    def __init__(self, redis_url: str | None) -> None:
        self.storage = storage_from_string(storage_uri(redis_url))
        # The sliding-window counter keeps two counters per key and budget, so a hit costs the
        # same whatever its size. A moving window stores one entry per unit of cost: a token
        # budget would store every token of every request and scan them all to expire them.
        self.limiter: Any = _Guarded(
            SlidingWindowCounterRateLimiter(self.storage), _where(redis_url)
        )

    async def ping(self) -> None:
        if not await self.storage.check():
            raise ConnectionError("rate-limit storage does not answer")

    async def charge(self, principal: Principal, tokens: int) -> None:
        """Count one request and ``tokens`` tokens against the key's budgets.

        Raises:
            RateLimitError: 429 naming the budget, with ``retry-after`` in seconds.
        """
        await self.charge_request(principal)
        tpm = RateLimitItemPerMinute(principal.tpm)
        if tokens > principal.tpm:
            raise BudgetTooSmallError(
                f"this request needs about {tokens} tokens, more than the key's whole budget of "
                f"{principal.tpm} tokens per minute; lower max_tokens or shorten the prompt"
            )
        if not await self.limiter.hit(tpm, "tpm", principal.name, cost=tokens):
            await self._refuse(tpm, "tpm", principal, f"{principal.tpm} tokens per minute")

    async def charge_request(self, principal: Principal) -> None:
        """Count one request against the key's requests-per-minute budget (429 when spent)."""
        rpm = RateLimitItemPerMinute(principal.rpm)
        if not await self.limiter.hit(rpm, "rpm", principal.name):
            await self._refuse(rpm, "rpm", principal, f"{principal.rpm} requests per minute")

    async def check_audio(self, principal: Principal) -> None:
        """Refuse (429) while the key's audio-seconds budget is spent. The length of a
        recording is known only once it is decoded, so audio is charged afterwards
        (:meth:`charge_audio`) and the next upload waits for the window."""
        spm = RateLimitItemPerMinute(principal.spm)
        if not await self.limiter.test(spm, "spm", principal.name):
            await self._refuse(spm, "spm", principal, f"{principal.spm} audio seconds per minute")

    async def charge_audio(self, principal: Principal, seconds: float) -> None:
        """Charge ``seconds`` of transcribed audio; beyond what is left, the budget is
        exhausted for the rest of the window."""
        spm = RateLimitItemPerMinute(principal.spm)
        cost = max(1, math.ceil(seconds))
        if await self.limiter.hit(spm, "spm", principal.name, cost=cost):
            return
        left = (await self.limiter.get_window_stats(spm, "spm", principal.name)).remaining
        if left > 0:
            await self.limiter.hit(spm, "spm", principal.name, cost=left)

    async def _refuse(
        self, item: RateLimitItemPerMinute, kind: str, who: Principal, budget: str
    ) -> None:
        stats = await self.limiter.get_window_stats(item, kind, who.name)
        wait = max(1, math.ceil(stats.reset_time - time.time()))
        raise RateLimitError(
            f"rate limit reached for key '{who.name}': {budget}; retry in {wait}s",
            headers={"retry-after": str(wait)},
        )
