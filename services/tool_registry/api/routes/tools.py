"""The registry's REST face (every route needs a bearer key).

    GET  /tools                 {"tools": [{"type": "function", "function": {name, description,
                                 parameters}, "source", "version", "hash", "changed_at",
                                 "previous_hash", "quantities"}]}, sorted by name
                                 (quantities: unit-aware parameter -> its kind, e.g.
                                 {"pressure": "pressure"})
    GET  /tools/errors          {"errors": [{"file", "error", "at"}]}: plugins that did not load
    GET  /tools/{name}          one entry as above
    POST /tools/{name}/invoke   {"arguments": {...}} -> {"name", "content", "is_error",
                                 "duration_ms"}

Invoke answers 404 for an unknown tool, 422 for arguments that fail the schema (``error.errors``
lists each problem with its JSON path), 504 when the tool ran past its limit, and 200 with
``is_error: true`` when the tool itself failed (the model reads the error text).
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.kit.auth import principal_of
from services.kit.errors import InvalidRequestError
from services.kit.schemas import decode_json_object
from services.tool_registry.catalog import Catalog
from services.tool_registry.deps import Authenticated, CatalogDep
from services.tool_registry.invoker import Invoker

router = APIRouter(tags=["tools"])


def _json(body: Any) -> Response:
    return Response(orjson.dumps(body), media_type="application/json")


# The two hot routes read app.state directly: no dependency solving on every call.
@router.get("/tools")
async def list_tools(request: Request) -> Response:
    principal_of(request)
    catalog: Catalog = request.app.state.catalog
    return Response(catalog.listing(), media_type="application/json")


@router.get("/tools/errors", dependencies=[Authenticated])
async def list_errors(catalog: CatalogDep) -> Response:
    return _json({"errors": catalog.problems()})


@router.get("/tools/{name}", dependencies=[Authenticated])
async def get_tool(name: str, catalog: CatalogDep) -> Response:
    return _json(catalog.entry(name))


async def _arguments(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    body = decode_json_object(raw)  # {"arguments": {...}}
    arguments = body.get("arguments", {})
    if arguments is None:
        return {}
    if not isinstance(arguments, dict):
        raise InvalidRequestError("'arguments' must be a JSON object", param="arguments")
    return arguments


@router.post("/tools/{name}/invoke")
async def invoke_tool(name: str, request: Request) -> Response:
    principal_of(request)
    invoker: Invoker = request.app.state.invoker
    return _json(await invoker.invoke(name, await _arguments(request)))
