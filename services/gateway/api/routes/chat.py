"""``POST /v1/chat/completions``: validate, authenticate, forward to the orchestrator."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response, StreamingResponse

from services.gateway.deps import Authenticated, OrchestratorDep, SettingsDep
from services.gateway.upstream import relay
from services.kit.schemas import ChatCompletionRequest, require_published_model
from services.kit.sse import SSE_HEADERS

router = APIRouter(tags=["chat"], dependencies=[Authenticated])


@router.post("/v1/chat/completions", response_model=None)
async def chat_completions(
    body: ChatCompletionRequest, orchestrator: OrchestratorDep, settings: SettingsDep
) -> Response:
    require_published_model(body.model, settings.aistack_models)
    # The user's messages are forwarded exactly as received (never rewritten).
    payload = body.model_dump(exclude_unset=True)
    if not body.stream:
        content = await orchestrator.chat(payload)
        return Response(content, media_type="application/json")
    upstream = await orchestrator.open_stream(payload)
    return StreamingResponse(relay(upstream), media_type="text/event-stream", headers=SSE_HEADERS)
