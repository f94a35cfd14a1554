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
from prometheus_client import CollectorRegistry
from starlette.types import Scope

from services.kit.auth import ServiceTokenMiddleware
from services.kit.bodylimit import BodySizeLimitMiddleware
from services.kit.errors import install_error_handlers
from services.kit.health import ReadinessCheck, health_router
from services.kit.observability import QUIET_PATHS, ObservabilityMiddleware, RequestMetrics
from services.kit.settings import StackSettings
from services.kit.tracing import setup_tracing

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


@asynccontextmanager
async def _no_lifespan(_: FastAPI) -> AsyncIterator[None]:
    yield


def _freezing(lifespan: Lifespan) -> Lifespan:
    """Run ``lifespan``, then move everything it loaded out of the garbage collector's reach.

    A start-up failure is kept on ``app.state.startup_error`` for the entrypoint to report.

    Models and libraries (torch, pint, LangGraph) leave millions of long-lived objects; a full
    collection that walks them stalls every request in flight for a few hundred milliseconds.
    Frozen objects are never scanned; what requests allocate afterwards is collected as usual.
    """

    @asynccontextmanager
    async def wrapped(app: FastAPI) -> AsyncIterator[None]:
        app.state.startup_error = None
        started = False
        try:
            async with lifespan(app):
                started = True
                gc.collect()
                gc.freeze()
                try:
                    yield
                finally:
                    gc.unfreeze()
        except Exception as exc:
            if not started:
                # The process entrypoint (services/kit/serve.py) reports it as one line.
                app.state.startup_error = exc
            raise

    return wrapped


def create_service_app(
    name: str,
    settings: StackSettings,
    *,
    routers: Iterable[APIRouter] = (),
    lifespan: Lifespan | None = None,
    version: str = "0.1.0",
    internal: bool = False,
    open_prefixes: tuple[str, ...] = (),
    body_limit: tuple[int, str] | None = None,
    body_limit_routes: dict[str, tuple[int, str]] | None = None,
) -> FastAPI:
    """Build a service's ASGI app.

    The lifespan may add entries to ``app.state.readiness_checks`` (name → async check).
    ``internal``: only the stack's services may call it: with ``AISTACK_SERVICE_TOKEN`` set,
    every path but the probes (and ``open_prefixes``, which check their own keys) needs it.
    ``body_limit``: (bytes, the setting's variable) over which a body is refused with 413
    before it is read; ``body_limit_routes`` gives path prefixes their own.
    """
    provider = setup_tracing(name, settings.otel_exporter_otlp_endpoint)
    exporting = bool(settings.otel_exporter_otlp_endpoint)
    app = FastAPI(
        title=name,
        version=version,
        lifespan=_freezing(lifespan or _no_lifespan),
        # FastAPI's own OpenTelemetry support: one server span per request with the HTTP
        # attributes, continuing the caller's W3C trace (about a third of the cost of the
        # separate instrumentation package). Only when spans are exported: otherwise the
        # access-log middleware opens an ids-only span, all that logs and peers need.
        # Metrics and logs have their own paths here (Prometheus, structlog), and
        # per-operation child spans would double the spans for nothing.
        telemetry={
            "tracer_provider": provider,
            "tracing": exporting,
            "metrics": False,
            "logs": False,
            "operation_spans": False,
            "exclude": _quiet,
        },
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

    token = settings.aistack_service_token
    if internal and token is not None:
        # Inside the access log: refused calls are logged (with their trace id) too.
        app.add_middleware(
            ServiceTokenMiddleware, token=token.get_secret_value(), open_prefixes=open_prefixes
        )
    # Runs inside the server span, so the access line carries the request's trace id.
    app.add_middleware(
        ObservabilityMiddleware,
        metrics=RequestMetrics(registry),
        ids_only_tracer=None if exporting else provider.get_tracer("services.kit"),
    )
    if body_limit is not None:
        # Outermost: an over-size body is refused unread, before keys, tokens or the SDKs.
        max_bytes, variable = body_limit
        app.add_middleware(
            BodySizeLimitMiddleware, max_bytes=max_bytes, variable=variable,
            routes=body_limit_routes,
        )  # fmt: skip
    return app


def _quiet(scope: Scope) -> bool:
    # Probes and scrapes are not traced.
    return scope.get("path") in QUIET_PATHS
