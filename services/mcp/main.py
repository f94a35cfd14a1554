"""App factory and lifespan of the mcp service: one process, one MCP server per domain.

Each domain's server is the SDK's stateless Streamable HTTP app (any replica answers any
request: no session to look up, JSON answers), mounted at ``/<domain>`` so that its endpoint
is ``/<domain>/mcp``, behind the kit's bearer-key check (401 with ``WWW-Authenticate``) and the
SDK's Host/Origin guard (services/mcp/security.py). ``/health``, ``/ready`` and ``/metrics``
come from the kit and need no key.

A mounted app's own lifespan never runs: this lifespan enters every server's session manager,
and a manager can be entered once, so every test builds its own app with :func:`create_app`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI

from services.kit.app import create_service_app
from services.kit.auth import BearerKeyMiddleware
from services.kit.keys import build_keyring
from services.kit.logging import get_logger
from services.kit.peer import PeerClient
from services.mcp.api.routes import domains as domains_routes
from services.mcp.asgi import PlainStatus
from services.mcp.bootstrap import StartupIngest
from services.mcp.domains import Domain, load_domains
from services.mcp.ingest import CorpusSync
from services.mcp.retrieval import Retriever
from services.mcp.security import transport_security
from services.mcp.servers import build_server
from services.mcp.settings import Settings, get_settings

log = get_logger(__name__)


def create_app(
    settings: Settings | None = None, domains: dict[str, Domain] | None = None
) -> FastAPI:
    """Build the service. ``domains`` replaces reading ``MCP_DOMAINS_FILE`` (tests).

    Raises:
        SettingsError: no usable API keys, or a domains file, corpus document or constraint
            table that cannot be used (checked here, so the process fails at start).
    """
    settings = settings or get_settings()
    # Users (Cursor) with their keys; the orchestrator with the stack's service token.
    keyring = build_keyring(settings, service=True)
    domains = domains if domains is not None else load_domains(settings.mcp_domains_file)
    # Opens its connection pool on first use, inside the running loop.
    rag = PeerClient(settings, settings.rag_base_url, name="rag-api")
    retriever = Retriever(rag, settings.mcp_search_timeout_s)
    security = transport_security(settings)
    servers = {
        name: build_server(d, retriever, settings.mcp_max_top_k) for name, d in domains.items()
    }
    endpoints = {
        name: server.streamable_http_app(
            streamable_http_path="/mcp",
            stateless_http=True,
            json_response=True,
            transport_security=security,
            max_request_body_size=settings.mcp_max_body_bytes,
        )
        for name, server in servers.items()
    }

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.readiness_checks["rag-api"] = retriever.ping
        startup_task: asyncio.Task[None] | None = None
        if settings.mcp_ingest_on_start:
            startup = StartupIngest(
                CorpusSync(rag, settings.mcp_ingest_timeout_s), list(domains.values())
            )
            app.state.readiness_checks["baseline-corpus"] = startup.check
            startup_task = asyncio.create_task(startup.run(), name="mcp-startup-ingest")
        try:
            async with AsyncExitStack() as stack:
                for server in servers.values():
                    await stack.enter_async_context(server.session_manager.run())
                log.info(
                    "mcp servers ready",
                    endpoints=[d.endpoint for d in domains.values()],
                    allowed_hosts=security.allowed_hosts,
                    rag=settings.rag_base_url,
                )
                yield
        finally:
            if startup_task is not None:
                startup_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await startup_task
            await rag.aclose()

    # The body cap is outside the key check too: an over-size body is refused unread (the
    # SDK's own limit answers in plain text and names no variable).
    app = create_service_app(
        "mcp",
        settings,
        routers=[domains_routes.router],
        lifespan=lifespan,
        body_limit=(settings.mcp_max_body_bytes, "MCP_MAX_BODY_BYTES"),
    )
    app.state.keyring = keyring
    app.state.domains = domains
    for name, endpoint in endpoints.items():
        app.mount(f"/{name}", BearerKeyMiddleware(PlainStatus(endpoint), keyring))
    return app
