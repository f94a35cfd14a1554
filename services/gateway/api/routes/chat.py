"""``POST /v1/chat/completions``: authenticate, validate, charge the budget, forward.

Accepts Chat Completions bodies and Responses-shaped ones (Cursor agent mode); answers in
Chat Completions form, streamed (SSE) or not.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.gateway.conditioning.service import ConditioningService
from services.gateway.errors import RequestGuardError
from services.gateway.ratelimit import RateLimiter, estimate_tokens
from services.gateway.responses_shape import is_responses_shaped, to_chat_body
from services.gateway.settings import Settings
from services.gateway.streaming import keepalive_then_relay
from services.gateway.upstream import Orchestrator
from services.gateway.validation.stream import validate_body, validate_stream
from services.gateway.validation.validator import Validator
from services.kit.auth import principal_of
from services.kit.openapi import json_body_openapi
from services.kit.schemas import (
    ChatCompletionRequest,
    decode_json_object,
    require_published_model,
    validate_chat_request,
)
from services.kit.sse import EventStreamResponse

router = APIRouter(tags=["chat"])


async def parse_body(request: Request) -> tuple[ChatCompletionRequest, dict[str, Any]]:
    """The validated request and the exact JSON to forward (Responses shape translated)."""
    body = decode_json_object(await request.body())
    if is_responses_shaped(body):
        body = to_chat_body(body)
    return validate_chat_request(body), body


def check_guards(body: ChatCompletionRequest, settings: Settings) -> None:
    if len(body.messages) > settings.gateway_max_messages:
        raise RequestGuardError(
            f"too many messages: {len(body.messages)} > {settings.gateway_max_messages} "
            "(GATEWAY_MAX_MESSAGES)",
            param="messages",
        )
    for field in ("max_tokens", "max_completion_tokens"):
        value = getattr(body, field)
        if value is not None and value > settings.gateway_max_tokens_cap:
            raise RequestGuardError(
                f"{field} is {value}; this gateway allows at most "
                f"{settings.gateway_max_tokens_cap} (GATEWAY_MAX_TOKENS_CAP)",
                param=field,
            )


@router.post(
    "/v1/chat/completions",
    response_model=None,
    # The body is read by hand (see below); its schema is documented all the same.
    openapi_extra=json_body_openapi(ChatCompletionRequest, event_stream=True),
)
async def chat_completions(request: Request) -> Response:
    # The hot path reads app.state directly: FastAPI's dependency solver costs more per
    # request than everything else this route does before forwarding.
    state = request.app.state
    principal = principal_of(request)
    orchestrator: Orchestrator = state.orchestrator
    limiter: RateLimiter = state.limiter
    settings: Settings = state.settings
    conditioning: ConditioningService | None = state.conditioning
    validator: Validator | None = state.validator
    body, payload = await parse_body(request)
    require_published_model(body.model, state.models.ids())
    check_guards(body, settings)
    await limiter.charge(
        principal, estimate_tokens(body, settings.gateway_default_completion_tokens)
    )
    # The user's messages go on exactly as received: the gateway never rewrites them. What it
    # derived travels beside them; a client cannot supply its own.
    payload.pop("conditioning", None)
    if conditioning is not None:
        payload["conditioning"] = await conditioning.wire_for_messages(payload["messages"])
    if not body.stream:
        answer = await orchestrator.chat(payload, principal.name)
        if validator is not None:
            answer = validate_body(answer, validator, settings.gateway_validation_note)
        return Response(answer, media_type="application/json")
    opening = asyncio.ensure_future(orchestrator.open_stream(payload, principal.name))
    done, _ = await asyncio.wait({opening}, timeout=settings.gateway_keepalive_s)
    if done:
        # Answered quickly: a refusal still gets its own status code.
        stream = orchestrator.relay(opening.result())
    else:
        stream = keepalive_then_relay(orchestrator, opening, settings.gateway_keepalive_s)
    if validator is not None:
        stream = validate_stream(stream, validator, settings.gateway_validation_note)
    return EventStreamResponse(stream)
