"""``POST /v1/conditioning``: show what the gateway derives from a prompt (nothing is sent on).

Body: ``{"text": "..."}`` or ``{"messages": [...]}`` (the last user message is read).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, model_validator

from services.gateway.conditioning.extract import Conditioning
from services.gateway.deps import Authenticated, ConditioningDep
from services.kit.openapi import json_body_openapi
from services.kit.schemas import decode_json_object, validate_model

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


# The body is read in the route, after the key check: a body parameter would be parsed (and a
# malformed one refused with 400) before the router's dependency answers 401.
@router.post("/v1/conditioning", openapi_extra=json_body_openapi(ConditioningRequest, bearer=False))
async def conditioning(request: Request, service: ConditioningDep) -> Conditioning:
    body = validate_model(ConditioningRequest, decode_json_object(await request.body()))
    if body.text is not None:
        return await service.for_text_async(body.text)
    return await service.for_messages(body.messages or [])
