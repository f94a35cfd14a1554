"""``POST /v1/chat/completions``: authenticate, validate, charge the budget, forward.

Accepts Chat Completions bodies and Responses-shaped ones (Cursor agent mode); answers in
Chat Completions form, streamed (SSE) or not.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import ValidationError

from services.gateway.deps import (
    LimiterDep,
    OptionalConditioningDep,
    OptionalValidatorDep,
    OrchestratorDep,
    PrincipalDep,
    SettingsDep,
)
from services.gateway.ratelimit import estimate_tokens
from services.gateway.responses_shape import is_responses_shaped, to_chat_body
from services.gateway.settings import Settings
from services.gateway.streaming import keepalive_then_relay
from services.gateway.validation.stream import validate_body, validate_stream
from services.kit.errors import InvalidRequestError
from services.kit.schemas import ChatCompletionRequest, require_published_model
from services.kit.sse import EventStreamResponse

router = APIRouter(tags=["chat"])


async def parse_body(request: Request) -> tuple[ChatCompletionRequest, dict[str, Any]]:
    """The validated request and the exact JSON to forward (Responses shape translated)."""
    raw = await request.body()
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidRequestError(
            f"could not parse the JSON body ({exc}); send valid JSON"
        ) from None
    if not isinstance(body, dict):
        raise InvalidRequestError("the request body must be a JSON object")
    if is_responses_shaped(body):
        body = to_chat_body(body)
    try:
        return ChatCompletionRequest.model_validate(body), body
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
        ) from None


def check_guards(body: ChatCompletionRequest, settings: Settings) -> None:
    if len(body.messages) > settings.gateway_max_messages:
        raise InvalidRequestError(
            f"too many messages: {len(body.messages)} > {settings.gateway_max_messages} "
            "(GATEWAY_MAX_MESSAGES)",
            param="messages",
        )
    for field in ("max_tokens", "max_completion_tokens"):
        value = getattr(body, field)
        if value is not None and value > settings.gateway_max_tokens_cap:
            raise InvalidRequestError(
                f"{field} is {value}; this gateway allows at most "
                f"{settings.gateway_max_tokens_cap} (GATEWAY_MAX_TOKENS_CAP)",
                param=field,
            )


@router.post("/v1/chat/completions", response_model=None)
async def chat_completions(
    request: Request,
    principal: PrincipalDep,
    orchestrator: OrchestratorDep,
    limiter: LimiterDep,
    settings: SettingsDep,
    conditioning: OptionalConditioningDep,
    validator: OptionalValidatorDep,
) -> Response:
    body, payload = await parse_body(request)
    require_published_model(body.model, settings.aistack_models)
    check_guards(body, settings)
    await limiter.charge(
        principal, estimate_tokens(body, settings.gateway_default_completion_tokens)
    )
    # The user's messages go on exactly as received: the gateway never rewrites them. What it
    # derived travels beside them; a client cannot supply its own.
    payload.pop("conditioning", None)
    if conditioning is not None:
        derived = await conditioning.for_messages(payload["messages"])
        payload["conditioning"] = derived.model_dump()
    if not body.stream:
        answer = await orchestrator.chat(payload)
        if validator is not None:
            answer = validate_body(answer, validator, settings.gateway_validation_note)
        return Response(answer, media_type="application/json")
    opening = asyncio.ensure_future(orchestrator.open_stream(payload))
    done, _ = await asyncio.wait({opening}, timeout=settings.gateway_keepalive_s)
    if done:
        # Answered quickly: a refusal still gets its own status code.
        stream = orchestrator.relay(opening.result())
    else:
        stream = keepalive_then_relay(orchestrator, opening, settings.gateway_keepalive_s)
    if validator is not None:
        stream = validate_stream(stream, validator, settings.gateway_validation_note)
    return EventStreamResponse(stream)
