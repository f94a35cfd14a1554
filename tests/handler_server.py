"""Serve an httpx-style handler over real HTTP on loopback, for tests of a service's peers.

The services call their peers with aiohttp, so a peer is replaced where it really is: at the
other end of a socket. A handler takes an ``httpx.Request`` and returns an ``httpx.Response``
(sync or async), which keeps each test's fake peer a few readable lines.
"""

from __future__ import annotations

import inspect
import socket
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn
from starlette.requests import Request

Handler = Callable[[httpx.Request], httpx.Response | Awaitable[httpx.Response]]


def asgi_app(handler: Handler) -> Callable[..., Awaitable[None]]:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = await Request(scope, receive).body()
        query = scope["query_string"].decode()
        url = f"http://peer{scope['path']}" + (f"?{query}" if query else "")
        headers = [(k.decode(), v.decode()) for k, v in scope["headers"]]
        request = httpx.Request(scope["method"], url, headers=headers, content=body)
        result = handler(request)
        response = await result if inspect.isawaitable(result) else result
        await send(
            {
                "type": "http.response.start",
                "status": response.status_code,
                "headers": [
                    (k.encode(), v.encode())
                    for k, v in response.headers.items()
                    if k.lower() not in ("content-length", "transfer-encoding")
                ],
            }
        )
        # The bytes as they go on the wire (still compressed if the handler compressed them).
        await send({"type": "http.response.body", "body": b"".join(response.stream)})

    return app


@contextmanager
def serve_handler(handler: Handler) -> Iterator[str]:
    """Run ``handler`` behind uvicorn on a free loopback port; yield its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(asgi_app(handler), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the test peer server did not start")
        threading.Event().wait(0.005)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()


def closed_port_url() -> str:
    """A loopback URL where nothing listens: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"
