"""OpenAPI operations for what a service serves outside its FastAPI router, so the fuzzer
reaches it with well-formed requests as well as broken ones:

* MCP endpoints (the mcp service's ``/<domain>/mcp``, the registry's ``/mcp``): JSON-RPC
  bodies whose ``tools/call``, ``prompts/get`` and ``resources/read`` params follow what the
  server itself lists (each tool's input schema), beside any method and params at all.
* The registry's tools: ``POST /tools/<name>/invoke`` with ``{"arguments": <that tool's
  parameters schema>}`` for every listed tool.

An MCP endpoint answers problems as JSON-RPC errors (``x-error-shape: jsonrpc``); the key
check in front of it answers in the OpenAI shape.
"""

from __future__ import annotations

import copy
from typing import Any

MCP_ACCEPT = "application/json, text/event-stream"
# Appended to every listed resource URI: the server must refuse to leave its corpus.
TRAVERSAL = "/../../../../etc/passwd"
LIST_METHODS = ("initialize", "ping", "tools/list", "resources/list", "prompts/list",
                "resources/templates/list")  # fmt: skip


def inline_defs(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with its local ``#/$defs/...`` references replaced by their definitions (an
    operation's schema is resolved against the whole document, where they do not exist)."""
    schema = copy.deepcopy(schema)
    defs = schema.pop("$defs", {})

    def walk(node: Any, depth: int = 0) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/") and depth < 8:
                target = defs.get(ref.removeprefix("#/$defs/"), {})
                rest = {k: v for k, v in node.items() if k != "$ref"}
                return walk({**target, **rest}, depth + 1)
            return {k: walk(v, depth) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, depth) for v in node]
        return node

    return walk(schema)


def _rpc(method: Any, params: dict[str, Any] | None = None) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "jsonrpc": {"const": "2.0"},
        "id": {"type": "integer", "minimum": 0},
        "method": method,
    }
    if params is not None:
        properties["params"] = params
    return {"type": "object", "required": ["jsonrpc", "id", "method"], "properties": properties}


def _listed(client: Any, endpoint: str, headers: dict[str, str], method: str) -> dict[str, Any]:
    body = {"jsonrpc": "2.0", "id": 1, "method": method}
    response = client.post(endpoint, json=body, headers=headers, timeout=60)
    response.raise_for_status()
    return dict(response.json()["result"])


def mcp_paths(client: Any, endpoints: list[str], bearer: str) -> dict[str, Any]:
    """One POST operation per MCP endpoint, its body any of the server's own requests."""
    headers = {"Authorization": f"Bearer {bearer}", "Accept": MCP_ACCEPT}
    paths: dict[str, Any] = {}
    for endpoint in endpoints:
        tools = _listed(client, endpoint, headers, "tools/list")["tools"]
        prompts = _listed(client, endpoint, headers, "prompts/list")["prompts"]
        resources = _listed(client, endpoint, headers, "resources/list")["resources"]
        uris = [r["uri"] for r in resources]
        calls = [
            _rpc(
                {"const": "tools/call"},
                {"type": "object", "required": ["name", "arguments"], "properties": {
                    "name": {"const": t["name"]},
                    "arguments": inline_defs(t.get("inputSchema") or {"type": "object"}),
                }},
            )
            for t in tools
        ]  # fmt: skip
        gets = [
            _rpc(
                {"const": "prompts/get"},
                {"type": "object", "required": ["name"], "properties": {
                    "name": {"const": p["name"]},
                    "arguments": {"type": "object", "properties": {
                        a["name"]: {"type": "string"} for a in p.get("arguments") or []
                    }},
                }},
            )
            for p in prompts
        ]  # fmt: skip
        reads = _rpc(
            {"const": "resources/read"},
            {"type": "object", "required": ["uri"],
             "properties": {"uri": {"enum": uris + [u + TRAVERSAL for u in uris]}}},
        )  # fmt: skip
        # Any other method: not one of the three above, or this branch would subsume theirs
        # (the generator drops branches that another one covers).
        other = {"type": "string", "not": {"enum": ["tools/call", "prompts/get", "resources/read"]}}
        anything = _rpc({"anyOf": [{"enum": list(LIST_METHODS)}, other]}, {"type": "object"})
        paths[endpoint] = {
            "post": {
                "operationId": f"mcp{endpoint.replace('/', '_')}",
                "x-error-shape": "jsonrpc",
                # Sent with every case (the transport answers 406 without it); not a declared
                # parameter, which negative cases would drop along with the bearer.
                "x-headers": {"Accept": MCP_ACCEPT},
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"anyOf": [*calls, *gets, reads, anything]}}
                    },
                },
                "responses": {
                    "200": {
                        "description": "a JSON-RPC answer",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    "202": {"description": "a notification, accepted"},
                },
            }
        }
    return paths


def invoke_paths(client: Any, bearer: str) -> dict[str, Any]:
    """``POST /tools/<name>/invoke`` for every listed tool, with its parameters schema."""
    response = client.get("/tools", headers={"Authorization": f"Bearer {bearer}"}, timeout=60)
    response.raise_for_status()
    paths: dict[str, Any] = {}
    for tool in response.json()["tools"]:
        function = tool["function"]
        parameters = inline_defs(function.get("parameters") or {"type": "object"})
        paths[f"/tools/{function['name']}/invoke"] = {
            "post": {
                "operationId": f"invoke_{function['name']}",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["arguments"],
                                "properties": {"arguments": parameters},
                            }
                        }
                    },
                },
                "responses": {"200": {"description": "the tool's result"}},
            }
        }
    return paths
