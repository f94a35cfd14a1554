"""App factory and lifespan for the gateway."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.gateway.api.routes import audio, chat, debug, embeddings, models
from services.gateway.api.routes import conditioning as conditioning_routes
from services.gateway.conditioning.domains import DomainScorer
from services.gateway.conditioning.extract import Extractor
from services.gateway.conditioning.service import ConditioningService
from services.gateway.ratelimit import RateLimiter
from services.gateway.settings import Settings, get_settings
from services.gateway.upstream import Orchestrator
from services.gateway.validation.validator import Validator
from services.kit.app import create_service_app
from services.kit.embedding import Embedder
from services.kit.keys import build_keyring
from services.kit.models import ModelTable
from services.kit.peer import PeerClient
from services.kit.quantities import QuantityFinder


def create_app(
    settings: Settings | None = None,
    conditioning: ConditioningService | None = None,
) -> FastAPI:
    """Build the gateway. ``conditioning`` replaces loading the conditioning service (tests
    share one embedding model).

    Raises:
        SettingsError: no usable API keys (checked here, so the process fails at start).
    """
    settings = settings or get_settings()
    keyring = build_keyring(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        client = PeerClient(settings, settings.orchestrator_base_url, name="the orchestrator")
        app.state.orchestrator = Orchestrator(client)
        # The rest of the OpenAI surface: embeddings from rag-api, transcriptions from asr-api.
        app.state.rag = PeerClient(settings, settings.rag_base_url, name="rag-api")
        app.state.asr = PeerClient(settings, settings.asr_base_url, name="asr-api")
        redis_url = settings.redis_url.get_secret_value() if settings.redis_url else None
        app.state.limiter = RateLimiter(redis_url)
        app.state.validator = None
        if settings.gateway_validation:
            validator = Validator(QuantityFinder())
            await asyncio.to_thread(validator.run, "warm up: 1 bar")
            app.state.validator = validator
        app.state.conditioning = None
        if settings.gateway_conditioning:
            service = conditioning or ConditioningService(
                Extractor(), DomainScorer(Embedder(settings.embedding_model))
            )
            # Loading the embedding model takes seconds: keep the event loop free meanwhile.
            await asyncio.to_thread(service.warm_up)
            app.state.conditioning = service
        app.state.readiness_checks["orchestrator"] = app.state.orchestrator.ping
        if redis_url:
            app.state.readiness_checks["redis"] = app.state.limiter.ping
        try:
            yield
        finally:
            await client.aclose()
            await app.state.rag.aclose()
            await app.state.asr.aclose()

    app = create_service_app(
        "gateway",
        settings,
        routers=[
            models.router,
            chat.router,
            *([embeddings.router] if settings.gateway_embeddings else []),
            *([audio.router] if settings.gateway_audio else []),
            conditioning_routes.router,
            debug.router,
        ],
        lifespan=lifespan,
        body_limit=(settings.gateway_max_body_bytes, "GATEWAY_MAX_BODY_BYTES"),
        # Audio uploads need more than chat bodies.
        body_limit_routes={
            "/v1/audio/": (settings.gateway_max_audio_bytes, "GATEWAY_MAX_AUDIO_BYTES")
        },
    )
    app.state.keyring = keyring
    # The published chat models (AISTACK_MODELS, or the model table the operator keeps).
    app.state.models = ModelTable(settings)
    return app
