"""Liveness (``/health``), readiness (``/ready``) and Prometheus (``/metrics``) routes.

A service declares what it needs in order to serve as named readiness checks: async callables
that return on success and raise on failure. ``/ready`` runs them concurrently, each under a
timeout, and answers 503 naming every check that failed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.responses import Response

ReadinessCheck = Callable[[], Awaitable[None]]


async def run_checks(checks: Mapping[str, ReadinessCheck], timeout_s: float) -> dict[str, str]:
    """Run every check; map each name to ``"ok"`` or a one-line reason."""

    async def one(check: ReadinessCheck) -> str:
        try:
            await asyncio.wait_for(check(), timeout_s)
        except TimeoutError:
            return f"no answer within {timeout_s:g}s"
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"; say why
            return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return "ok"

    names = list(checks)
    results = await asyncio.gather(*(one(checks[n]) for n in names))
    return dict(zip(names, results, strict=True))


def health_router(registry: CollectorRegistry) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/ready")
    async def ready(request: Request) -> JSONResponse:
        checks: Mapping[str, ReadinessCheck] = request.app.state.readiness_checks
        results = await run_checks(checks, request.app.state.ready_timeout_s)
        ok = all(v == "ok" for v in results.values())
        return JSONResponse(
            {"status": "ready" if ok else "not_ready", "checks": results},
            status_code=200 if ok else 503,
        )

    # Documented as Prometheus' text format, which is what it answers.
    @router.get("/metrics", response_class=PlainTextResponse)
    async def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return router
