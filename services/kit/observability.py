"""Per-request metrics and access log, as one pure ASGI middleware.

Pure ASGI (not ``BaseHTTPMiddleware``) so streamed responses pass through unbuffered. It runs
inside OpenTelemetry's server span, so the access line carries that request's trace id.
"""

from __future__ import annotations

import time
from typing import Any

import structlog
from opentelemetry.trace import Tracer
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.kit.logging import get_logger
from services.kit.tracing import ids_only_server_span

log = get_logger("access")

# Probes and scrapes would drown the access log.
QUIET_PATHS = frozenset({"/health", "/ready", "/metrics"})


class RequestMetrics:
    """The HTTP metrics one service exports, on its own registry (one per app)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests served",
            ["method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time from request start to the end of the response body",
            ["method", "route"],
            registry=registry,
            buckets=(
                0.001,
                0.0025,
                0.005,
                0.01,
                0.025,
                0.05,
                0.1,
                0.25,
                0.5,
                1,
                2.5,
                5,
                10,
                30,
                60,
            ),
        )


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    # Unmatched paths are collapsed so that scanners cannot explode label cardinality.
    return path if isinstance(path, str) else "unmatched"


class ObservabilityMiddleware:
    """Metrics and the access line for every request.

    ``ids_only_tracer``: open the request's (unrecorded) server span here with this tracer,
    for services that export no spans; None when FastAPI's telemetry opens a full one.
    """

    def __init__(
        self, app: ASGIApp, metrics: RequestMetrics, ids_only_tracer: Tracer | None
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.ids_only_tracer = ids_only_tracer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.ids_only_tracer is not None and scope["path"] not in QUIET_PATHS:
            with ids_only_server_span(self.ids_only_tracer, scope):
                await self._observe(scope, receive, send)
        else:
            await self._observe(scope, receive, send)

    async def _observe(self, scope: Scope, receive: Receive, send: Send) -> None:
        start = time.perf_counter()
        structlog.contextvars.clear_contextvars()
        status: dict[str, Any] = {"code": 500}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - start
            route = _route_template(scope)
            method = scope["method"]
            self.metrics.requests.labels(method, route, str(status["code"])).inc()
            self.metrics.latency.labels(method, route).observe(elapsed)
            if scope["path"] not in QUIET_PATHS:
                log.info(
                    "request",
                    method=method,
                    path=scope["path"],
                    status=status["code"],
                    duration_ms=round(elapsed * 1000, 3),
                )
