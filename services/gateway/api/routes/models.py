"""``GET /v1/models``: the published model ids (Cursor's "verify" calls this)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from services.gateway.deps import Authenticated, SettingsDep
from services.kit.schemas import require_published_model

router = APIRouter(tags=["models"], dependencies=[Authenticated])

# Fixed so that listing is stable across restarts (clients may cache it).
_CREATED = 1_767_225_600  # 2026-01-01T00:00:00Z


def _model(model_id: str) -> dict[str, Any]:
    return {"id": model_id, "object": "model", "created": _CREATED, "owned_by": "ai-stack"}


@router.get("/v1/models")
async def list_models(settings: SettingsDep) -> dict[str, Any]:
    return {"object": "list", "data": [_model(m) for m in settings.aistack_models]}


@router.get("/v1/models/{model_id:path}")
async def get_model(model_id: str, settings: SettingsDep) -> dict[str, Any]:
    require_published_model(model_id, settings.aistack_models)
    return _model(model_id)
