"""``POST /v1/conditioning``: show what the gateway derives from a prompt (nothing is sent on).

Body: ``{"text": "..."}`` or ``{"messages": [...]}`` (the last user message is read).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, model_validator

from services.gateway.conditioning.extract import Conditioning
from services.gateway.deps import Authenticated, ConditioningDep

router = APIRouter(tags=["conditioning"], dependencies=[Authenticated])


class ConditioningRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    text: str | None = None
    messages: list[dict[str, Any]] | None = None

    @model_validator(mode="after")
    def _one_of(self) -> ConditioningRequest:
        if (self.text is None) == (self.messages is None):
            raise ValueError("send exactly one of 'text' or 'messages'")
        return self


@router.post("/v1/conditioning")
async def conditioning(body: ConditioningRequest, service: ConditioningDep) -> Conditioning:
    if body.text is not None:
        return await service.for_text_async(body.text)
    return await service.for_messages(body.messages or [])
