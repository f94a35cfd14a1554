"""OpenAPI documentation for routes that read their own body.

The chat routes read and validate their JSON with orjson (services/kit/schemas.py) instead of
declaring a model parameter: FastAPI's own parsing costs more per request than the rest of the
route. ``openapi_extra=json_body_openapi(Model)`` puts the same request schema (and the bearer
header) in the OpenAPI document anyway, so clients and fuzzers see what the route accepts.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """``node`` with every ``#/$defs/...`` reference replaced by its definition (the route's
    schema lives inside one operation, where document-level references cannot point)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            target = copy.deepcopy(defs[ref.removeprefix("#/$defs/")])
            rest = {k: v for k, v in node.items() if k != "$ref"}
            return _inline({**target, **rest}, defs)
        return {k: _inline(v, defs) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    return node


def request_schema(model: type[BaseModel]) -> dict[str, Any]:
    """``model``'s JSON Schema with its definitions inlined (no recursive models here)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})
    return _inline(schema, defs)


# One server-sent event of a streamed chat answer.
SSE_EVENT: dict[str, Any] = {
    "type": "object",
    "required": ["data"],
    "properties": {
        "data": {
            "type": "string",
            "description": "a chat.completion.chunk as JSON, an error object, or [DONE]",
        }
    },
}
# A file part in a multipart form's schema.
FILE_PART: dict[str, Any] = {"type": "string", "format": "binary"}


def form_schema(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    """The schema of a multipart form with these fields (``FILE_PART`` for a file)."""
    return {"type": "object", "properties": properties, "required": list(required)}


def json_body_openapi(
    model: type[BaseModel] | None,
    *,
    bearer: bool = True,
    form: dict[str, Any] | None = None,
    event_stream: bool = False,
) -> dict[str, Any]:
    """``openapi_extra`` for a route that reads its body by hand: JSON validated by ``model``
    and/or a multipart ``form`` (:func:`form_schema`); ``event_stream``: a 200 may be SSE
    (``stream: true``) as well as JSON."""
    content: dict[str, Any] = {}
    if model is not None:
        content["application/json"] = {"schema": request_schema(model)}
    if form is not None:
        content["multipart/form-data"] = {"schema": form}
    extra: dict[str, Any] = {"requestBody": {"required": True, "content": content}}
    if event_stream:
        # Merged into FastAPI's own 200 entry (application/json). Before OpenAPI 3.2 an event
        # stream's schema describes one event.
        extra["responses"] = {"200": {"content": {"text/event-stream": {"schema": SSE_EVENT}}}}
    if bearer:
        extra["parameters"] = [
            {
                "name": "authorization",
                "in": "header",
                "required": True,
                "description": "Bearer <key>",
                "schema": {"type": "string"},
            }
        ]
    return extra


def transcription_form(**extra: Any) -> dict[str, Any]:
    """OpenAI's ``/v1/audio/transcriptions`` form (asr-api's, relayed by the gateway), plus
    ``extra`` fields."""
    text = {"type": "string"}
    return form_schema(
        {
            "file": FILE_PART,
            "model": text,
            "response_format": {"enum": ["json", "text", "srt", "verbose_json", "vtt"]},
            "timestamp_granularities[]": {
                "type": "array",
                "items": {"enum": ["segment", "word"]},
            },
            "language": text,
            "prompt": text,
            "temperature": {"type": "number", "minimum": 0, "maximum": 1},
            **extra,
        },
        required=("file",),
    )
