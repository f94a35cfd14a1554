"""``GET /debug/last``: the last run's state for a key (ORCH_DEBUG; off in production values).

The gateway serves it to each key as ``GET /v1/debug/last`` (its own runs only); here the key
name comes as a query parameter.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request

from services.kit.errors import NotFoundError
from services.orchestrator.orchestration import Orchestration

router = APIRouter(tags=["debug"])


@router.get("/debug/last")
async def last_run(request: Request, key: str = Query(min_length=1)) -> dict[str, Any]:
    orchestration: Orchestration = request.app.state.orchestration
    run = orchestration.runs.last(key) if orchestration.runs is not None else None
    if run is None:
        raise NotFoundError(f"no run recorded for key '{key}' yet", param="key")
    return {"key": key, "run": run}
