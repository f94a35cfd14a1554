"""HTTP peers: :class:`PeerClient`, and what it hands back.

Every call between services goes through here (gateway → orchestrator, orchestrator → LLM
runner, rag-api, tool registry; asr-api → rag-api; …), so all of them behave the same:

- timeouts from the settings on every call (connect, pool, between two reads);
- the caller's trace travels as W3C ``traceparent``, inside a client span;
- transport failures become the kit's errors naming the peer (503 unreachable, 504 timeout);
- a peer's error answer becomes the kit's error tree through one function,
  :func:`raise_for_peer_status`, whatever the peer (OpenAI-style body or plain text);
- callers see only kit types (:class:`PeerResponse`, :class:`PeerStream`), never the HTTP
  library's.

The library is aiohttp, not httpx. Every chat request crosses two of these hops, and their cost
is most of what the stack adds to an answer. Measured on the 2-core build machine, a one-hop
proxy on httpx added 0.67 ms at concurrency 1 and fell from 830 to 610 req/s between 16 and
64 concurrent requests (its pool walks every connection on each request); the same proxy on
aiohttp added 0.26 ms and held 7,200 req/s.

    ServiceError (kit)
     ├── PeerStatusError          a peer's own error, relayed as is (``relay=True``)
     └── PeerRejectedError        a peer refused the request (its 4xx status, 400 family)
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson
import yarl
from opentelemetry import trace
from opentelemetry.trace import SpanKind

from services.kit.errors import (
    InvalidRequestError,
    ServiceError,
    UpstreamError,
    UpstreamTimeoutError,
    UpstreamUnavailableError,
)
from services.kit.settings import StackSettings
from services.kit.tracing import inject_trace_headers

_tracer = trace.get_tracer(__name__)

JSON_HEADERS = {"content-type": "application/json"}
# A peer that says 503 without a retry-after: how long the caller's client should wait.
DEFAULT_RETRY_AFTER_S = "5"

Body = bytes | AsyncIterable[bytes] | None


class PeerStatusError(ServiceError):
    """A peer of ours answered with an error in the kit's form: its status, type, code and
    message pass on unchanged (the gateway relaying the orchestrator)."""

    def __init__(self, status: int, error: Mapping[str, Any], headers: dict[str, str]) -> None:
        super().__init__(
            str(error.get("message") or f"HTTP {status}"),
            param=error.get("param"),
            code=error.get("code"),
            headers=headers,
        )
        self.status_code = status
        self.error_type = str(error.get("type") or "server_error")


class PeerRejectedError(InvalidRequestError):
    """A peer refused the request itself (a 4xx that is not about our credentials or its
    load): the caller's request is at fault, so its status passes on."""

    def __init__(self, status: int, message: str, code: str | None) -> None:
        super().__init__(message, code=code)
        self.status_code = status


def _error_fields(content: bytes) -> dict[str, Any] | None:
    """The ``error`` object of an OpenAI-style body (or a FastAPI ``detail``), else None."""
    try:
        body = orjson.loads(content)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(body, dict):
        return None
    error = body.get("error", body.get("detail"))
    if isinstance(error, dict):
        return error
    if isinstance(error, str):
        return {"message": error}
    return None


def raise_for_peer_status(
    peer: str,
    status: int,
    content: bytes,
    headers: Mapping[str, str] | None = None,
    *,
    relay: bool = False,
) -> None:
    """Map a peer's error answer onto the kit's error tree; return quietly below 400.

    Args:
        peer: names the peer in messages ("rag-api at http://…").
        status, content, headers: what the peer answered.
        relay: the peer speaks the kit's error form (one of our services): pass its error on
            unchanged when its body has one.

    Raises:
        PeerStatusError: ``relay`` and the body is an OpenAI-style error.
        PeerRejectedError: a 4xx other than 401/403/407/429 (the request is at fault).
        UpstreamUnavailableError: 503, with the peer's ``retry-after`` (or a default).
        UpstreamTimeoutError: 504 or 408.
        UpstreamError: anything else (502), with the peer's message.
    """
    if status < 400:
        return
    headers = headers or {}
    retry = {"retry-after": headers.get("retry-after") or DEFAULT_RETRY_AFTER_S}
    error = _error_fields(content)
    if relay and error is not None:
        raise PeerStatusError(status, error, retry if status in (429, 503) else {})
    if error is not None and error.get("message"):
        detail = str(error["message"])
    else:
        detail = content[:200].decode(errors="replace").strip() or f"HTTP {status}"
    code = str(error["code"]) if error and error.get("code") else None
    if status == 503:
        raise UpstreamUnavailableError(f"{peer} is unavailable: {detail}", headers=retry)
    if status in (408, 504):
        raise UpstreamTimeoutError(f"{peer} timed out: {detail}")
    if 400 <= status < 500 and status not in (401, 403, 407, 429):
        raise PeerRejectedError(status, f"{peer} rejected the request: {detail}", code)
    raise UpstreamError(f"{peer} answered {status}: {detail}")


@contextmanager
def mapped_errors(peer: str) -> Iterator[None]:
    """Turn aiohttp's failures into the kit's errors naming the peer."""
    try:
        yield
    except (TimeoutError, aiohttp.ServerTimeoutError):
        raise UpstreamTimeoutError(f"{peer} did not answer in time") from None
    except aiohttp.ClientError as exc:
        detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        raise UpstreamUnavailableError(
            f"{peer} is unreachable ({detail}); is it running?",
            headers={"retry-after": DEFAULT_RETRY_AFTER_S},
        ) from None


@dataclass(frozen=True, slots=True)
class PeerResponse:
    """A whole answer from a peer."""

    peer: str
    status: int
    content: bytes
    headers: Mapping[str, str]

    def raise_for_status(self, *, relay: bool = False) -> PeerResponse:
        """Raise the kit's error for an error answer (see :func:`raise_for_peer_status`)."""
        raise_for_peer_status(self.peer, self.status, self.content, self.headers, relay=relay)
        return self

    def json(self) -> Any:
        """The body as JSON.

        Raises:
            UpstreamError: the body is not JSON.
        """
        try:
            return orjson.loads(self.content)
        except orjson.JSONDecodeError:
            snippet = self.content[:80].decode(errors="replace")
            raise UpstreamError(
                f"{self.peer} answered with a body that is not JSON: {snippet!r}"
            ) from None


class PeerStream:
    """An answer whose headers have arrived and whose body is read as it comes.

    Close it (or use ``async with``) when done: closing before the end drops the connection,
    which is how the peer learns that nobody reads any more (and stops generating).
    """

    def __init__(self, peer: str, response: aiohttp.ClientResponse) -> None:
        self.peer = peer
        self._response = response
        self.status = response.status
        self.headers: Mapping[str, str] = response.headers

    async def raise_for_status(self, *, relay: bool = False) -> PeerStream:
        """For an error answer: read its body, close, and raise the kit's error."""
        if self.status >= 400:
            try:
                content = await self.read()
            finally:
                self.close()
            raise_for_peer_status(self.peer, self.status, content, self.headers, relay=relay)
        return self

    async def read(self) -> bytes:
        with mapped_errors(self.peer):
            return await self._response.read()

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body as it arrives, with nothing held back (SSE relays)."""
        with mapped_errors(self.peer):
            async for piece in self._response.content.iter_any():
                yield piece

    async def lines(self) -> AsyncIterator[bytes]:
        """The body line by line, without line endings (SSE parsers)."""
        with mapped_errors(self.peer):
            async for line in self._response.content:
                yield line.rstrip(b"\r\n")

    def close(self) -> None:
        self._response.close()

    async def __aenter__(self) -> PeerStream:
        return self

    async def __aexit__(self, *_: object) -> None:
        self.close()


def with_service_token(
    settings: StackSettings, headers: Mapping[str, str] | None
) -> dict[str, str]:
    """``headers`` plus the stack's service token as the bearer (unless one is set already)."""
    out = dict(headers or {})
    token = settings.aistack_service_token
    if token is not None:
        out.setdefault("Authorization", f"Bearer {token.get_secret_value()}")
    return out


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
        service_token: send the stack's service token (AISTACK_SERVICE_TOKEN) as the bearer
            when ``headers`` brings none; False for peers outside the stack (an LLM runner,
            above all an external API: the stack's credential never leaves it).
    """

    def __init__(
        self,
        settings: StackSettings,
        base_url: str,
        *,
        name: str,
        read_timeout_s: float | None = None,
        headers: Mapping[str, str] | None = None,
        max_connections: int = 200,
        service_token: bool = True,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.name = name
        self.peer = f"{name} at {self.base_url}"
        self._timeout = client_timeout(settings, read_timeout_s)
        plain = dict(headers or {})
        self._headers = with_service_token(settings, plain) if service_token else plain
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None
        # Parsed once per path: parsing the URL again is a measurable share of a request.
        self._urls: dict[str, yarl.URL] = {}

    def _url(self, path: str) -> yarl.URL:
        url = self._urls.get(path)
        if url is None:
            url = yarl.URL(self.base_url + path, encoded="%" in path)
            if len(self._urls) < 1024:  # paths with ids in them must not grow this forever
                self._urls[path] = url
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

    async def open(
        self,
        method: str,
        path: str,
        *,
        body: Body = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        read_timeout_s: float | None = None,
    ) -> PeerStream:
        """Send a request; return once the status and headers have arrived.

        ``body`` may be bytes or an async iterable of bytes (sent as it is produced, e.g. an
        upload relayed without buffering); ``json`` is serialised with orjson instead.
        """
        outgoing = dict(headers or {})
        if json is not None:
            body = orjson.dumps(json)
            outgoing.setdefault("content-type", "application/json")
        session = self._open_session()
        timeout = None
        if read_timeout_s is not None:
            timeout = aiohttp.ClientTimeout(
                total=None,
                connect=self._timeout.connect,
                sock_connect=self._timeout.sock_connect,
                sock_read=read_timeout_s,
            )
        with _tracer.start_as_current_span(f"{method} {path}", kind=SpanKind.CLIENT) as span:
            inject_trace_headers(outgoing)
            with mapped_errors(self.peer):
                response = await session.request(
                    method,
                    self._url(path),
                    data=body,
                    headers=outgoing,
                    **({"timeout": timeout} if timeout else {}),
                )
            if span.is_recording():
                span.set_attribute("http.request.method", method)
                span.set_attribute("url.full", self.base_url + path)
                span.set_attribute("http.response.status_code", response.status)
        return PeerStream(self.peer, response)

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: Body = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        read_timeout_s: float | None = None,
    ) -> PeerResponse:
        """A whole request and response (the status is not checked: see ``raise_for_status``)."""
        stream = await self.open(
            method, path, body=body, json=json, headers=headers, read_timeout_s=read_timeout_s
        )
        try:
            content = await stream.read()
        finally:
            stream._response.release()
        return PeerResponse(self.peer, stream.status, content, stream.headers)

    async def get(self, path: str, **kwargs: Any) -> PeerResponse:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> PeerResponse:
        return await self.request("POST", path, **kwargs)
