"""``GET /v1/debug/last``: the orchestrator's record of the caller's own last run (its
conditioning, plan, frame, steps and citations). Off unless the orchestrator's ORCH_DEBUG is."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.gateway.deps import Authenticated
from services.gateway.upstream import Orchestrator
from services.kit.auth import principal_of

router = APIRouter(tags=["debug"], dependencies=[Authenticated])


@router.get("/v1/debug/last")
async def last_run(request: Request) -> Response:
    orchestrator: Orchestrator = request.app.state.orchestrator
    body = await orchestrator.last_run(principal_of(request).name)
    return Response(body, media_type="application/json")
