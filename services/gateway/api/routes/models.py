"""``GET /v1/models``: the published model ids (Cursor's "verify" calls this)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from services.gateway.deps import Authenticated, SettingsDep
from services.gateway.settings import Settings
from services.kit.models import ModelTable
from services.kit.schemas import require_published_model

router = APIRouter(tags=["models"], dependencies=[Authenticated])

# Fixed so that listing is stable across restarts (clients may cache it).
_CREATED = 1_767_225_600  # 2026-01-01T00:00:00Z


def _model(model_id: str, owned_by: str = "ai-stack") -> dict[str, Any]:
    return {"id": model_id, "object": "model", "created": _CREATED, "owned_by": owned_by}


def published(settings: Settings, table: ModelTable) -> list[dict[str, Any]]:
    """Chat models first (what Cursor picks from), then embeddings and transcription."""
    models = [_model(m) for m in table.ids()]
    if settings.gateway_embeddings:
        models.append(_model(settings.embedding_model, "ai-stack (rag-api embeddings)"))
    if settings.gateway_audio:
        models += [
            _model(m, "ai-stack (asr-api transcription)")
            for m in settings.gateway_transcription_models
        ]
    return models


@router.get("/v1/models")
async def list_models(request: Request, settings: SettingsDep) -> dict[str, Any]:
    return {"object": "list", "data": published(settings, request.app.state.models)}


@router.get("/v1/models/{model_id:path}")
async def get_model(request: Request, model_id: str, settings: SettingsDep) -> dict[str, Any]:
    by_id = {m["id"]: m for m in published(settings, request.app.state.models)}
    if model_id not in by_id:
        require_published_model(model_id, list(by_id))
    return by_id[model_id]
