"""The start-up ingest: on first start (or after a corpus change) each domain's baseline
corpus is loaded into rag-api, in the background, while ``/ready`` reports it.

Readiness waits for it, so that whoever waits for the service (``aistack up``, a Kubernetes
readiness probe) sees every domain's corpus searchable. An unreachable rag-api is retried
with backoff for as long as the process lives; a document rag-api refuses is a data error
that retrying cannot fix, so readiness then names it until the corpus is corrected.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from services.kit.errors import ServiceError
from services.kit.logging import get_logger
from services.mcp.domains import Domain
from services.mcp.errors import CorpusSyncError
from services.mcp.ingest import CorpusSync

log = get_logger(__name__)
_MAX_BACKOFF_S = 10.0


class StartupIngest:
    """Args: the sync to run, the domains to check, the first retry delay (seconds)."""

    def __init__(self, sync: CorpusSync, domains: Sequence[Domain], retry_s: float = 0.5) -> None:
        self.sync = sync
        self.domains = list(domains)
        self.retry_s = retry_s
        self.done = False
        self.problem: str | None = None

    async def run(self) -> None:
        for domain in self.domains:
            if not await self._one(domain):
                return
        self.done, self.problem = True, None

    async def _one(self, domain: Domain) -> bool:
        """Load one domain's corpus if needed; False when rag-api refused it."""
        delay = self.retry_s
        while True:
            try:
                pending = await self.sync.pending(domain)
                if not pending:
                    log.info("baseline corpus present", domain=domain.name)
                else:
                    log.info("loading baseline corpus", domain=domain.name, documents=pending)
                    summary = await self.sync.sync(domain)
                    log.info("baseline corpus loaded", **summary.as_dict())
                self.problem = None
                return True
            except CorpusSyncError as exc:
                self.problem = exc.message
                log.error("baseline corpus refused", domain=domain.name, reason=exc.message)
                return False
            except ServiceError as exc:
                # rag-api is not up yet (or restarting): it will be.
                self.problem = f"waiting for rag-api ({exc.message})"
                log.warning("rag-api not reachable; retrying", domain=domain.name,
                            reason=exc.message, retry_in_s=delay)  # fmt: skip
                await asyncio.sleep(delay)
                delay = min(delay * 2, _MAX_BACKOFF_S)

    async def check(self) -> None:
        """Readiness: raises until every domain's corpus is in rag-api."""
        if self.done:
            return
        raise RuntimeError(self.problem or "loading the baseline corpora into rag-api")
