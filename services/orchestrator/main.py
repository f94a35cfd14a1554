"""App factory and lifespan for the orchestrator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from services.kit.app import create_service_app
from services.kit.llm import LLMClient
from services.kit.peer import PeerClient
from services.orchestrator.api.routes import chat
from services.orchestrator.graph.builder import build_graph
from services.orchestrator.graph.generate import GenerateNode
from services.orchestrator.graph.retrieve import RetrieveNode
from services.orchestrator.settings import Settings, get_settings


def create_app(settings: Settings | None = None, llm: LLMClient | None = None) -> FastAPI:
    """Build the orchestrator. ``llm`` may be injected (tests); otherwise it is made from the
    settings in the lifespan."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        client = llm or LLMClient(settings)
        nodes: list[tuple[str, Any]] = []
        rag = None
        if settings.orch_retrieval:
            rag = PeerClient(
                settings,
                settings.rag_base_url,
                name="rag-api",
                read_timeout_s=settings.orch_retrieval_timeout_s,
            )
            nodes.append(("retrieve", RetrieveNode(rag)))
        app.state.graph = build_graph(GenerateNode(client), nodes)
        app.state.readiness_checks["llm"] = client.ping
        try:
            yield
        finally:
            if llm is None:
                await client.aclose()
            if rag is not None:
                await rag.aclose()

    return create_service_app("orchestrator", settings, routers=[chat.router], lifespan=lifespan)
