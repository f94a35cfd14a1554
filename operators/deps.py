"""What the handlers work with, made once at start-up and handed to them as kopf's ``memo``.

    memo.deps.settings   the operator's settings
    memo.deps.kube       the Kubernetes API (operators/kube.py)
    memo.deps.ollama     the Ollama server models are pulled into      } the kit's peer client
    memo.deps.rag        rag-api                                       } (timeouts, traces,
    memo.deps.registry   the tool registry                             } the service token)
    memo.deps.published  the model table this process last wrote (see handlers/models.py)

Tests build the same object with the API pointed at kmock and the peers at loopback servers.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from operators.kube import Kube
from operators.settings import Settings
from services.kit.peer import PeerClient


@dataclass
class Deps:
    settings: Settings
    kube: Kube
    ollama: PeerClient
    rag: PeerClient
    registry: PeerClient
    # The model table as this process last decided it ("namespace/name" -> entry, or None when
    # withdrawn): a Model's status patch lands only after its handler returns, so two Models
    # turning Ready together would otherwise each publish a table without the other.
    published: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    table_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @classmethod
    def open(cls, settings: Settings, kube: Kube) -> Deps:
        return cls(
            settings=settings,
            kube=kube,
            # Ollama is outside the stack: the stack's token never goes there.
            ollama=PeerClient(settings, settings.ollama_url, name="Ollama", service_token=False),
            rag=PeerClient(settings, settings.rag_base_url, name="rag-api"),
            registry=PeerClient(settings, settings.tools_base_url, name="the tool registry"),
        )

    async def aclose(self) -> None:
        for client in (self.ollama, self.rag, self.registry):
            await client.aclose()
        await self.kube.session.close()


def kube_session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=60, sock_connect=10),
        cookie_jar=aiohttp.DummyCookieJar(),
    )
