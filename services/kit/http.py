"""The one factory for outgoing HTTP clients: timeouts always set, trace context propagated."""

from __future__ import annotations

import httpx
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

from services.kit.settings import StackSettings


def timeouts(settings: StackSettings, read_s: float | None = None) -> httpx.Timeout:
    return httpx.Timeout(
        connect=settings.http_connect_timeout_s,
        read=read_s if read_s is not None else settings.http_read_timeout_s,
        write=settings.http_write_timeout_s,
        pool=settings.http_pool_timeout_s,
    )


def make_http_client(
    settings: StackSettings,
    base_url: str,
    *,
    read_timeout_s: float | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    max_connections: int = 200,
) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` for calls to a peer service.

    Each request opens a client span whose context travels as W3C ``traceparent``, so the
    peer's logs carry the caller's trace id. ``transport`` lets tests answer without a server.
    """
    client = httpx.AsyncClient(
        base_url=base_url,
        timeout=timeouts(settings, read_timeout_s),
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=64),
        transport=transport,
    )
    HTTPXClientInstrumentor.instrument_client(client)
    return client
