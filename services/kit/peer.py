"""Calls along the chat path: gateway → orchestrator → LLM runner, orchestrator → rag-api.

These hops use aiohttp, not httpx. Every chat request crosses two of them, and their cost is
most of what the stack adds to an answer. Measured on the 2-core build machine, a one-hop
proxy on httpx added 0.67 ms at concurrency 1 and fell from 830 to 610 req/s between 16 and
64 concurrent requests (its pool walks every connection on each request); the same proxy on
aiohttp added 0.26 ms and held 7,200 req/s. Cold paths (ingestion, the CLI) keep httpx.

Every call has timeouts from the settings, carries the caller's trace as W3C ``traceparent``
(inside a client span) and maps transport failures onto the kit's error tree, naming the
peer, so callers never see an aiohttp exception.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import aiohttp
import yarl
from opentelemetry import trace
from opentelemetry.trace import SpanKind

from services.kit.errors import UpstreamTimeoutError, UpstreamUnavailableError
from services.kit.settings import StackSettings
from services.kit.tracing import inject_trace_headers

_tracer = trace.get_tracer(__name__)


@dataclass(frozen=True, slots=True)
class PeerResponse:
    status: int
    content: bytes
    reason: str


@contextmanager
def mapped_errors(where: str) -> Iterator[None]:
    """Turn aiohttp's failures into the kit's errors; ``where`` names the peer."""
    try:
        yield
    except (TimeoutError, aiohttp.ServerTimeoutError):
        raise UpstreamTimeoutError(f"{where} did not answer in time") from None
    except aiohttp.ClientError as exc:
        detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        raise UpstreamUnavailableError(
            f"{where} is unreachable ({detail}); is it running?"
        ) from None


def client_timeout(settings: StackSettings, read_s: float | None = None) -> aiohttp.ClientTimeout:
    """No overall limit (answers stream for minutes); bounded waits for a connection, for
    connecting, and between two reads."""
    return aiohttp.ClientTimeout(
        total=None,
        connect=settings.http_pool_timeout_s + settings.http_connect_timeout_s,
        sock_connect=settings.http_connect_timeout_s,
        sock_read=read_s if read_s is not None else settings.http_read_timeout_s,
    )


class PeerClient:
    """Keep-alive HTTP/1.1 client for one peer service.

    Args:
        settings: timeouts come from here.
        base_url: the peer's base URL; request paths are appended to it.
        name: how errors name the peer ("the orchestrator").
        read_timeout_s: overrides ``HTTP_READ_TIMEOUT_S`` for this peer.
        headers: sent on every request (e.g. an Authorization header).
    """

    def __init__(
        self,
        settings: StackSettings,
        base_url: str,
        *,
        name: str,
        read_timeout_s: float | None = None,
        headers: dict[str, str] | None = None,
        max_connections: int = 200,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.where = f"{name} at {self.base_url}"
        self._timeout = client_timeout(settings, read_timeout_s)
        self._headers = dict(headers or {})
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None
        # Parsed once per path: parsing the URL again is a measurable share of a request.
        self._urls: dict[str, yarl.URL] = {}

    def _url(self, path: str) -> yarl.URL:
        url = self._urls.get(path)
        if url is None:
            url = self._urls[path] = yarl.URL(self.base_url + path)
        return url

    def _open_session(self) -> aiohttp.ClientSession:
        # Made on first use: aiohttp binds a session to the running event loop.
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=self._timeout,
                connector=aiohttp.TCPConnector(limit=self._max_connections, ttl_dns_cache=10),
                headers=self._headers,
                # Nothing here needs cookies.
                cookie_jar=aiohttp.DummyCookieJar(),
                # Peers are near: compressing costs both ends more CPU than it saves. (A peer
                # that compresses anyway is still decoded.)
                skip_auto_headers=("Accept-Encoding",),
            )
        return self._session

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def send(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> aiohttp.ClientResponse:
        """Send a request and return once its status and headers have arrived.

        The caller reads the body (see :func:`iter_lines`, :func:`iter_chunks`) and must
        ``close()`` the response if it stops early: that drops the connection, which is how
        the peer learns the client went away.
        """
        session = self._open_session()
        with _tracer.start_as_current_span(f"{method} {path}", kind=SpanKind.CLIENT) as span:
            outgoing = inject_trace_headers(dict(headers or {}))
            with mapped_errors(self.where):
                response = await session.request(
                    method, self._url(path), data=body, headers=outgoing
                )
            if span.is_recording():
                span.set_attribute("http.request.method", method)
                span.set_attribute("url.full", self.base_url + path)
                span.set_attribute("http.response.status_code", response.status)
            return response

    async def fetch(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> PeerResponse:
        """A whole request and response."""
        response = await self.send(method, path, body=body, headers=headers)
        try:
            content = await read_body(response, self.where)
        finally:
            response.release()
        return PeerResponse(response.status, content, response.reason or "")

    async def post_json(self, path: str, body: bytes) -> PeerResponse:
        return await self.fetch("POST", path, body=body, headers=JSON_HEADERS)


JSON_HEADERS = {"content-type": "application/json"}


async def iter_chunks(response: aiohttp.ClientResponse, where: str) -> AsyncIterator[bytes]:
    """The body as it arrives, with nothing held back (SSE relays)."""
    with mapped_errors(where):
        async for piece in response.content.iter_any():
            yield piece


async def iter_lines(response: aiohttp.ClientResponse, where: str) -> AsyncIterator[bytes]:
    """The body line by line, without line endings (SSE parsers)."""
    with mapped_errors(where):
        async for line in response.content:
            yield line.rstrip(b"\r\n")


async def read_body(response: aiohttp.ClientResponse, where: str) -> bytes:
    with mapped_errors(where):
        return await response.read()
