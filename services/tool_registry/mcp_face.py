"""The same tools over MCP (``/mcp``, Streamable HTTP, stateless), from the same catalog.

A low-level MCP ``Server`` whose ``tools/list`` reads the current catalog on every request, so
hot-reloaded tools appear on MCP exactly when they appear on ``GET /tools``: no tool is defined
twice. ``tools/call`` goes through the same :class:`~services.tool_registry.invoker.Invoker` as
``POST /tools/{name}/invoke``; what REST answers with 404 / 422 / 504 comes back as an
``isError`` result here (MCP wants tool failures in the result, where the model can read them).

Stateless HTTP, so any replica answers any request. The SDK's DNS-rebinding guard accepts
loopback Host headers plus ``TOOLS_MCP_ALLOWED_HOSTS`` (the ingress host, the Service name).
The bearer key is checked before the SDK sees the request (401 + ``WWW-Authenticate``).
"""

from __future__ import annotations

from typing import Any

import mcp_types as types
import orjson
from mcp.server.caching import CacheHint
from mcp.server.lowlevel import Server
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp, StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.routing import Route

from services.kit.auth import BearerKeyMiddleware
from services.kit.errors import ServiceError
from services.kit.hosts import host_patterns
from services.kit.keys import KeyRing
from services.tool_registry.catalog import Catalog
from services.tool_registry.errors import ArgumentsError
from services.tool_registry.invoker import Invoker
from services.tool_registry.settings import Settings

MCP_PATH = "/mcp"
_LOOPBACK_HOSTS = ["127.0.0.1:*", "localhost:*", "[::1]:*", "127.0.0.1", "localhost", "[::1]"]
_LOOPBACK_ORIGINS = ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]


def _text(content: Any) -> str:
    return content if isinstance(content, str) else orjson.dumps(content).decode()


def call_result(answer: dict[str, Any]) -> types.CallToolResult:
    """An invoke answer as MCP's result: text always, structured content for JSON objects."""
    content = answer["content"]
    return types.CallToolResult(
        content=[types.TextContent(text=_text(content))],
        structured_content=content if isinstance(content, dict) else None,
        is_error=answer["is_error"],
    )


def build_server(catalog: Catalog, invoker: Invoker, version: str) -> Server[Any]:
    async def list_tools(
        ctx: Any, params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(
            tools=[
                types.Tool(name=t.name, description=t.description, input_schema=t.parameters)
                for t in catalog.tools()
            ]
        )

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        try:
            answer = await invoker.invoke(params.name, params.arguments or {})
        except ArgumentsError as exc:
            return types.CallToolResult(
                content=[types.TextContent(text=exc.message)],
                structured_content={"errors": [p.as_dict() for p in exc.problems]},
                is_error=True,
            )
        except ServiceError as exc:  # unknown tool (404), timeout (504)
            return types.CallToolResult(
                content=[types.TextContent(text=exc.message)], is_error=True
            )
        return call_result(answer)

    # Tools only; empty lists (not "method not found") so clients that browse everything work.
    async def list_resources(
        ctx: Any, params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        return types.ListResourcesResult(resources=[])

    async def list_prompts(
        ctx: Any, params: types.PaginatedRequestParams | None
    ) -> types.ListPromptsResult:
        return types.ListPromptsResult(prompts=[])

    def input_schema(name: str) -> dict[str, Any] | None:
        try:
            return catalog.get(name).parameters
        except ServiceError:
            return None

    return Server(
        "ai-stack-tools",
        version=version,
        instructions="Engineering tools with unit-aware arguments: pass '3 bar' or "
        "{'value': 3, 'unit': 'bar'} where a parameter carries a quantity.",
        get_tool_input_schema=input_schema,
        # Hot reload: a tool list is stale at once, never reused by a client's cache.
        cache_hints={"tools/list": CacheHint(ttl_ms=0, scope="private")},
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources,
        on_list_prompts=list_prompts,
    )


def transport_security(settings: Settings) -> TransportSecuritySettings:
    hosts = list(_LOOPBACK_HOSTS)
    for host in settings.tools_mcp_allowed_hosts:
        hosts += host_patterns(host)
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=hosts,
        allowed_origins=[*_LOOPBACK_ORIGINS, *settings.tools_mcp_allowed_origins],
    )


def mcp_route(
    catalog: Catalog, invoker: Invoker, settings: Settings, keyring: KeyRing, version: str
) -> tuple[Route, StreamableHTTPSessionManager]:
    """The ``/mcp`` route and the session manager whose ``run()`` the lifespan must enter."""
    manager = StreamableHTTPSessionManager(
        app=build_server(catalog, invoker, version),
        stateless=True,
        json_response=True,
        security_settings=transport_security(settings),
        max_request_body_size=settings.tools_max_body_bytes,
    )
    endpoint = BearerKeyMiddleware(StreamableHTTPASGIApp(manager), keyring)
    return Route(MCP_PATH, endpoint=endpoint), manager
