"""``POST /v1/embeddings``: rag-api's embeddings at the one address, behind the keys and budgets.

The body is checked here (model, input) and charged to the key (one request, and the input's
tokens estimated as characters / 4), then forwarded unchanged; rag-api's answer (or its error,
in OpenAI form) comes back as it is.
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from services.gateway.errors import BudgetTooSmallError
from services.gateway.ratelimit import RateLimiter
from services.gateway.settings import Settings
from services.kit.auth import principal_of
from services.kit.embedding import accepted_model_ids
from services.kit.errors import NotFoundError
from services.kit.openapi import json_body_openapi
from services.kit.peer import JSON_HEADERS, PeerClient
from services.kit.schemas import decode_json_object, validate_model

router = APIRouter(tags=["embeddings"])


class EmbeddingsBody(BaseModel):
    """What the route checks; everything else goes on to rag-api untouched."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(min_length=1)
    input: str | list[str] = Field(min_length=1)


def _characters(value: str | list[str]) -> int:
    return len(value) if isinstance(value, str) else sum(len(v) for v in value)


@router.post("/v1/embeddings", openapi_extra=json_body_openapi(EmbeddingsBody))
async def embeddings(request: Request) -> Response:
    state = request.app.state
    principal = principal_of(request)
    settings: Settings = state.settings
    limiter: RateLimiter = state.limiter
    rag: PeerClient = state.rag
    raw = await request.body()
    body = validate_model(EmbeddingsBody, decode_json_object(raw))
    if body.model not in accepted_model_ids(settings.embedding_model):
        raise NotFoundError(
            f"the model '{body.model}' does not exist here; embeddings come from "
            f"'{settings.embedding_model}'",
            param="model",
            code="model_not_found",
        )
    tokens = math.ceil(_characters(body.input) / 4)
    if tokens > principal.tpm:
        raise BudgetTooSmallError(
            f"this input is about {tokens} tokens, more than the key's whole budget of "
            f"{principal.tpm} tokens per minute; send fewer or shorter inputs"
        )
    await limiter.charge(principal, tokens)
    response = await rag.post("/v1/embeddings", body=raw, headers=JSON_HEADERS)
    return Response(response.raise_for_status(relay=True).content, media_type="application/json")


def embedding_model_entries(settings: Settings) -> list[dict[str, Any]]:
    return [{"id": settings.embedding_model, "owned_by": "ai-stack (rag-api)"}]
