"""App factory and lifespan for the orchestrator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from fastapi import FastAPI

from services.kit.app import create_service_app
from services.kit.llm import LLMClient
from services.kit.models import ModelTable
from services.kit.peer import PeerClient
from services.kit.peer.mcp import McpPeer
from services.orchestrator.api.routes import chat, debug
from services.orchestrator.graph.builder import build_graph
from services.orchestrator.graph.call_tools import CallToolsNode
from services.orchestrator.graph.generate import GenerateNode
from services.orchestrator.graph.planner import Planner, load_rules
from services.orchestrator.graph.retrieve import RetrieveNode
from services.orchestrator.graph.tool_step import ToolNode
from services.orchestrator.orchestration import Orchestration, RunLog
from services.orchestrator.runners import RunnerPool, Runners, SingleRunner
from services.orchestrator.settings import Settings, ToolCalling, get_settings
from services.orchestrator.tools.catalog import ToolCatalog, ToolSource
from services.orchestrator.tools.mcp_servers import McpDomain
from services.orchestrator.tools.registry import ToolRegistry

# Listing a source's tools must be quick: the model waits for the list.
LIST_TIMEOUT_S = 3.0


def _peer_headers(settings: Settings) -> dict[str, str]:
    key = settings.orch_peer_api_key
    return {"Authorization": f"Bearer {key.get_secret_value()}"} if key else {}


async def _tool_sources(settings: Settings, stack: AsyncExitStack) -> dict[str, ToolSource]:
    sources: dict[str, ToolSource] = {}
    headers = _peer_headers(settings)
    if settings.orch_tools:
        client = PeerClient(
            settings, settings.tools_base_url, name="the tool registry", headers=headers
        )
        stack.push_async_callback(client.aclose)
        sources["tools"] = ToolRegistry(client)
    if settings.llm_tool_calling != ToolCalling.OFF:
        for domain in settings.orch_mcp_domains:
            peer = McpPeer(
                settings,
                f"{settings.mcp_base_url}/{domain}/mcp",
                name=f"the {domain} MCP server",
                headers=headers,
            )
            stack.push_async_callback(peer.aclose)
            sources[domain] = McpDomain(domain, peer)
    return sources


def build_orchestration(
    settings: Settings,
    runners: Runners,
    table: ModelTable,
    sources: dict[str, ToolSource],
    rag: PeerClient | None,
) -> Orchestration:
    """The graph and what the chat route needs around it, from ready clients."""
    catalog = (
        ToolCatalog(sources, settings.orch_tool_list_ttl_s, LIST_TIMEOUT_S) if sources else None
    )
    registry = sources.get("tools")
    step = settings.orch_step_timeout_s
    generate = GenerateNode(runners, catalog, max_steps=settings.orch_max_steps)
    graph = build_graph(
        generate,
        tool=ToolNode(registry, step) if isinstance(registry, ToolRegistry) else None,
        retrieve=RetrieveNode(rag, min(step, settings.orch_retrieval_timeout_s)) if rag else None,
        call_tools=CallToolsNode(catalog, step, settings.orch_max_steps) if catalog else None,
        max_steps=settings.orch_max_steps,
    )
    planner = Planner(
        load_rules(), retrieval=rag is not None, tools=isinstance(registry, ToolRegistry)
    )
    runs = RunLog() if settings.orch_debug else None
    return Orchestration(settings, graph, planner, catalog, runs, table)


def create_app(settings: Settings | None = None, llm: LLMClient | None = None) -> FastAPI:
    """Build the orchestrator. ``llm`` may be injected (tests); otherwise it is made from the
    settings in the lifespan."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            table = ModelTable(settings)
            runners: Any
            if llm is None:
                runners = RunnerPool(settings, table)
                stack.push_async_callback(runners.aclose)
            else:
                runners = SingleRunner(llm, settings.tools_offered_to_model)
            rag = None
            if settings.orch_retrieval:
                rag = PeerClient(
                    settings,
                    settings.rag_base_url,
                    name="rag-api",
                    read_timeout_s=settings.orch_retrieval_timeout_s,
                )
                stack.push_async_callback(rag.aclose)
            sources = await _tool_sources(settings, stack)
            orchestration = build_orchestration(settings, runners, table, sources, rag)
            app.state.orchestration = orchestration
            app.state.graph = orchestration.graph
            app.state.readiness_checks["llm"] = (
                runners.ping if isinstance(runners, RunnerPool) else llm.ping  # type: ignore[union-attr]
            )
            yield

    routers: list[Any] = [chat.router]
    if settings.orch_debug:
        routers.append(debug.router)
    # Internal: reached through the gateway only (its keys and budgets), with the service token.
    return create_service_app(
        "orchestrator",
        settings,
        routers=routers,
        lifespan=lifespan,
        internal=True,
        body_limit=(settings.orch_max_body_bytes, "ORCH_MAX_BODY_BYTES"),
    )
