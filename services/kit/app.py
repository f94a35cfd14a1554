"""The app factory every service uses: logging-ready FastAPI with errors, health, metrics, tracing.

A service supplies its name, its settings, a lifespan that creates its clients (and registers
readiness checks), and its routers. Nothing runs at import: all of it happens in
:func:`create_service_app` or in the lifespan.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import APIRouter, FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from prometheus_client import CollectorRegistry

from services.kit.errors import install_error_handlers
from services.kit.health import ReadinessCheck, health_router
from services.kit.observability import ObservabilityMiddleware, RequestMetrics
from services.kit.settings import StackSettings
from services.kit.tracing import setup_tracing

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


@asynccontextmanager
async def _no_lifespan(_: FastAPI) -> AsyncIterator[None]:
    yield


def _freezing(lifespan: Lifespan) -> Lifespan:
    """Run ``lifespan``, then move everything it loaded out of the garbage collector's reach.

    Models and libraries (torch, pint, LangGraph) leave millions of long-lived objects; a full
    collection that walks them stalls every request in flight for a few hundred milliseconds.
    Frozen objects are never scanned; what requests allocate afterwards is collected as usual.
    """

    @asynccontextmanager
    async def wrapped(app: FastAPI) -> AsyncIterator[None]:
        async with lifespan(app):
            gc.collect()
            gc.freeze()
            try:
                yield
            finally:
                gc.unfreeze()

    return wrapped


def create_service_app(
    name: str,
    settings: StackSettings,
    *,
    routers: Iterable[APIRouter] = (),
    lifespan: Lifespan | None = None,
    version: str = "0.1.0",
) -> FastAPI:
    """Build a service's ASGI app.

    The lifespan may add entries to ``app.state.readiness_checks`` (name → async check).
    """
    app = FastAPI(
        title=name,
        version=version,
        lifespan=_freezing(lifespan or _no_lifespan),
    )
    app.state.settings = settings
    app.state.readiness_checks: dict[str, ReadinessCheck] = {}
    app.state.ready_timeout_s = settings.ready_check_timeout_s
    registry = CollectorRegistry()
    app.state.metrics_registry = registry

    install_error_handlers(app)
    app.include_router(health_router(registry))
    for router in routers:
        app.include_router(router)

    app.add_middleware(ObservabilityMiddleware, metrics=RequestMetrics(registry))
    provider = setup_tracing(name, settings.otel_exporter_otlp_endpoint)
    # Added last so that its server span wraps the access-log middleware.
    # One server span per request; the per-message "receive"/"send" spans would add a span
    # for every streamed chunk and cost more than the rest of a request's handling.
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=provider,
        excluded_urls="/health,/ready,/metrics",
        exclude_spans=["receive", "send"],
    )
    return app
