"""Every server tool in one list: the registry's and each MCP domain's, namespaced, cached.

A source that does not answer is left out of the list with a note saying so (the run goes on
without its tools); a fresh list is fetched once ``ttl_s`` has passed, so a plugin dropped into
the registry reaches the model within seconds.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any, Protocol

from services.kit.errors import ServiceError
from services.kit.logging import get_logger
from services.orchestrator.tools.model import ServerTool, ToolOutcome

log = get_logger(__name__)


class ToolSource(Protocol):
    @property
    def peer(self) -> Any: ...

    async def list(self) -> list[ServerTool]: ...

    async def invoke(
        self, name: str, arguments: dict[str, Any], timeout_s: float
    ) -> ToolOutcome: ...


@dataclass
class _Cached:
    tools: list[ServerTool]
    at: float
    note: str | None


class ToolCatalog:
    """Args:
    sources: origin (``tools`` or a domain) → its source.
    ttl_s: how long a fetched list is reused.
    timeout_s: how long one source may take to list its tools.
    """

    def __init__(self, sources: dict[str, ToolSource], ttl_s: float, timeout_s: float) -> None:
        self.sources = sources
        self.ttl_s = ttl_s
        self.timeout_s = timeout_s
        self._cache: dict[str, _Cached] = {}
        self._lock = asyncio.Lock()

    def source(self, origin: str) -> ToolSource:
        return self.sources[origin]

    async def _fetch(self, origin: str) -> _Cached:
        source = self.sources[origin]
        try:
            tools = await asyncio.wait_for(source.list(), self.timeout_s)
            return _Cached(tools, time.monotonic(), None)
        except TimeoutError:
            note = f"{source.peer} did not list its tools within {self.timeout_s:g} s"
        except ServiceError as exc:
            note = exc.message
        log.warning("tool source unavailable", origin=origin, reason=note)
        # Asked again sooner than a good list: a restarted server comes back quickly.
        return _Cached([], time.monotonic() - self.ttl_s / 2, note)

    def _expired(self, origin: str) -> bool:
        cached = self._cache.get(origin)
        return cached is None or time.monotonic() - cached.at > self.ttl_s

    async def tools(
        self, origins: tuple[str, ...] | None = None
    ) -> tuple[list[ServerTool], list[str]]:
        """Every tool of ``origins`` (default all: the registry first, then the domains in
        order) and a note per source that did not answer."""
        wanted = [o for o in self.sources if origins is None or o in origins]
        if any(self._expired(o) for o in wanted):
            async with self._lock:  # one refresh at a time; later callers reuse it
                stale = [o for o in wanted if self._expired(o)]
                fresh = await asyncio.gather(*(self._fetch(o) for o in stale))
                self._cache.update(zip(stale, fresh, strict=True))
        tools: list[ServerTool] = []
        notes: list[str] = []
        for origin in wanted:
            cached = self._cache[origin]
            tools += cached.tools
            if cached.note:
                notes.append(cached.note)
        return tools, notes

    def forget(self) -> None:
        """Drop the cached lists (a test dropped a plugin and wants it now)."""
        self._cache.clear()
