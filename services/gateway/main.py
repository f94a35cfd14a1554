"""App factory and lifespan for the gateway."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from services.gateway.api.routes import chat, models
from services.gateway.auth import KeyRing
from services.gateway.settings import Settings, get_settings
from services.gateway.upstream import Orchestrator
from services.kit.app import create_service_app
from services.kit.http import make_http_client


def create_app(
    settings: Settings | None = None, transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    """Build the gateway. ``transport`` replaces the network to the orchestrator (tests)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        client = make_http_client(settings, settings.orchestrator_base_url, transport=transport)
        app.state.orchestrator = Orchestrator(client)
        app.state.readiness_checks["orchestrator"] = app.state.orchestrator.ping
        try:
            yield
        finally:
            await client.aclose()

    app = create_service_app(
        "gateway", settings, routers=[models.router, chat.router], lifespan=lifespan
    )
    app.state.keyring = KeyRing(k.get_secret_value() for k in settings.gateway_api_keys)
    return app
