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


def json_body_openapi(model: type[BaseModel], *, bearer: bool = True) -> dict[str, Any]:
    """``openapi_extra`` for a route whose JSON body ``model`` validates by hand."""
    extra: dict[str, Any] = {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": request_schema(model)}},
        }
    }
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
