"""MCP servers as peers: list and call their tools through the official ``mcp`` client.

The same promises as :class:`~services.kit.peer.client.PeerClient`: timeouts from the settings,
the caller's trace as ``traceparent`` inside a client span, and failures as the kit's errors
naming the peer (503 unreachable, 504 timeout, 502 anything else), never a library exception.

Calls use the stateless 2026-07-28 revision pinned (no handshake, any replica answers), over
one keep-alive HTTP client per peer. The SDK's HTTP library is ``httpx2``; it stays inside
this module.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import SpanKind

from services.kit.errors import (
    ServiceError,
    UpstreamError,
    UpstreamTimeoutError,
    UpstreamUnavailableError,
)
from services.kit.peer.client import DEFAULT_RETRY_AFTER_S, with_service_token
from services.kit.settings import StackSettings
from services.kit.tracing import inject_trace_headers

_tracer = trace.get_tracer(__name__)
PROTOCOL = "2026-07-28"


@dataclass(frozen=True, slots=True)
class McpTool:
    name: str
    description: str
    input_schema: dict[str, Any]


@dataclass(frozen=True, slots=True)
class McpResult:
    """A tool's answer: its text, its structured content (when it declares an output schema)
    and whether the tool reported an error (the model should see it, the caller go on)."""

    text: str
    structured: Any
    is_error: bool


def _leaves(exc: BaseException) -> list[BaseException]:
    # The SDK runs its transport in task groups: failures may arrive wrapped in groups.
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for inner in exc.exceptions for leaf in _leaves(inner)]
    return [exc]


def _mapped(peer: str, exc: BaseException) -> ServiceError:
    import httpx2
    from mcp import MCPError

    for leaf in _leaves(exc):
        if isinstance(leaf, ServiceError):
            return leaf
        if isinstance(leaf, httpx2.TimeoutException | TimeoutError):
            return UpstreamTimeoutError(f"{peer} did not answer in time")
        if isinstance(leaf, httpx2.HTTPStatusError):
            status = leaf.response.status_code
            return UpstreamError(f"{peer} answered {status}")
        if isinstance(leaf, httpx2.TransportError):
            return UpstreamUnavailableError(
                f"{peer} is unreachable ({type(leaf).__name__}); is it running?",
                headers={"retry-after": DEFAULT_RETRY_AFTER_S},
            )
        if isinstance(leaf, MCPError):
            return UpstreamError(f"{peer} refused the call: {leaf.error.message}")
    first = _leaves(exc)[0]
    return UpstreamError(f"{peer} failed: {type(first).__name__}: {first}")


def _text(content: list[Any]) -> str:
    return "\n".join(str(getattr(part, "text", "")) for part in content if hasattr(part, "text"))


class McpPeer:
    """One MCP server endpoint (``…/chem/mcp``).

    Args:
        settings: timeouts come from here.
        url: the endpoint.
        name: how errors name the peer ("the chem MCP server").
        headers: sent on every request (the bearer key).
        read_timeout_s: overrides ``HTTP_READ_TIMEOUT_S`` for this peer.
    """

    def __init__(
        self,
        settings: StackSettings,
        url: str,
        *,
        name: str,
        headers: Mapping[str, str] | None = None,
        read_timeout_s: float | None = None,
    ) -> None:
        self.url = url
        self.name = name
        self.peer = f"{name} at {url}"
        self._settings = settings
        # The MCP servers accept the stack's service token.
        self._headers = with_service_token(settings, headers)
        self._read_s = read_timeout_s or settings.http_read_timeout_s
        self._http: Any = None

    def _client(self) -> Any:
        import httpx2

        if self._http is None or self._http.is_closed:
            s = self._settings

            async def traced(request: Any) -> None:
                inject_trace_headers(request.headers)

            self._http = httpx2.AsyncClient(
                headers=self._headers,
                timeout=httpx2.Timeout(
                    connect=s.http_connect_timeout_s,
                    read=self._read_s,
                    write=self._read_s,
                    pool=s.http_pool_timeout_s,
                ),
                event_hooks={"request": [traced]},
            )
        return self._http

    @asynccontextmanager
    async def _session(self, operation: str, timeout_s: float | None) -> AsyncIterator[Any]:
        from mcp import Client
        from mcp.client.streamable_http import streamable_http_client

        with _tracer.start_as_current_span(f"MCP {operation}", kind=SpanKind.CLIENT) as span:
            if span.is_recording():
                span.set_attribute("url.full", self.url)
            try:
                transport = streamable_http_client(
                    self.url, http_client=self._client(), terminate_on_close=False
                )
                async with Client(
                    transport, mode=PROTOCOL, read_timeout_seconds=timeout_s or self._read_s
                ) as client:
                    yield client
            except Exception as exc:  # noqa: BLE001 - every failure becomes a kit error
                raise _mapped(self.peer, exc) from None

    async def list_tools(self) -> list[McpTool]:
        """The server's tools, in its order.

        Raises:
            ServiceError: the kit's error for what went wrong, naming the peer.
        """
        async with self._session("tools/list", None) as client:
            listed = await client.list_tools()
        return [
            McpTool(t.name, t.description or "", dict(t.input_schema or {})) for t in listed.tools
        ]

    async def call_tool(
        self, name: str, arguments: Mapping[str, Any], *, timeout_s: float | None = None
    ) -> McpResult:
        """Call ``name``; a tool that reports an error is a result (``is_error``), not a raise.

        Raises:
            ServiceError: the server could not be reached or refused the call.
        """
        async with self._session("tools/call", timeout_s) as client:
            result = await client.call_tool(name, dict(arguments))
        return McpResult(_text(result.content), result.structured_content, bool(result.is_error))

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
