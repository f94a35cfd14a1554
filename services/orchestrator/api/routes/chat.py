"""``POST /v1/chat/completions``: run the graph, answer in OpenAI form (SSE when streaming)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.kit.errors import ServiceError, UpstreamError
from services.kit.logging import get_logger
from services.kit.openapi import json_body_openapi
from services.kit.schemas import (
    ChatCompletionRequest,
    decode_json_object,
    require_published_model,
    validate_chat_request,
)
from services.kit.sse import DONE, EventStreamResponse, sse_event
from services.orchestrator.orchestration import Orchestration
from services.orchestrator.streaming import GraphStream

router = APIRouter(tags=["chat"])
log = get_logger(__name__)

# Set by the gateway: which key's run this is (GET /debug/last shows each key its own).
KEY_HEADER = "x-aistack-key-name"


async def _sse(first: dict[str, Any], events: GraphStream) -> AsyncIterator[bytes]:
    try:
        yield sse_event(first)
        async for payload in events:
            yield sse_event(payload)
        yield DONE
    except ServiceError as exc:
        # Headers are gone: the failure travels in-band and the stream ends.
        log.warning("stream failed", error=exc.message)
        yield sse_event(exc.body())
    except (asyncio.CancelledError, GeneratorExit):
        # The client went away: closing the graph closes the runner's stream, which stops
        # generation there instead of burning the runner on tokens nobody reads.
        log.info("client disconnected; generation cancelled")
        raise
    finally:
        events.cancel()


@router.post(
    "/v1/chat/completions",
    response_model=None,
    # The body is read by hand (see below); its schema is documented all the same.
    openapi_extra=json_body_openapi(ChatCompletionRequest, bearer=False, event_stream=True),
)
async def chat_completions(request: Request) -> Response:
    # Read and validated here, with orjson, rather than through a model parameter and
    # dependencies: on the chat path FastAPI's own parsing costs more than the rest.
    body = validate_chat_request(decode_json_object(await request.body()))
    orchestration: Orchestration = request.app.state.orchestration
    require_published_model(body.model, orchestration.models.ids())
    state = await orchestration.initial_state(body)
    runs = orchestration.runs
    key = request.headers.get(KEY_HEADER, "anonymous")
    graph = orchestration.graph
    # A safety net under the budget: the loop ends by ORCH_MAX_STEPS long before this.
    config = {"recursion_limit": 4 * orchestration.settings.orch_max_steps + 16}
    if not body.stream:
        result = await graph.ainvoke(state, config=config)
        if runs is not None:
            runs.remember(key, result)
        return Response(orjson.dumps(result["completion"]), media_type="application/json")
    modes: Any = ["custom", "values"] if runs is not None else "custom"
    events = GraphStream(
        graph.astream(state, stream_mode=modes, config=config),
        with_values=runs is not None,
        on_end=(lambda final: runs.remember(key, final)) if runs is not None else None,
    )
    # Pull the first chunk before answering so that a runner that is down yields a proper
    # 503 status rather than an error inside a 200 stream.
    try:
        first = await events.next()
    except StopAsyncIteration:
        raise UpstreamError("the LLM runner ended the stream without any chunk") from None
    except BaseException:
        events.cancel()
        raise
    return EventStreamResponse(_sse(first, events))
