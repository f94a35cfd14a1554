"""Bearer-key checks on requests, for every service that users reach with a key.

Two forms of the same check against the kit's :class:`~services.kit.keys.KeyRing`:
``principal_of`` for FastAPI routes (the key ring on ``app.state.keyring``), and
:class:`BearerKeyMiddleware` for mounted ASGI apps that are not FastAPI routes (the MCP
endpoints), which answers 401 with ``WWW-Authenticate: Bearer`` as MCP clients expect.
"""

from __future__ import annotations

from collections.abc import Iterable

import structlog
from fastapi import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from services.kit.errors import AuthenticationError, error_response
from services.kit.keys import KeyRing, Principal

# Probes and scrapes never need a key.
OPEN_PATHS = frozenset({"/health", "/ready", "/metrics"})
CHALLENGE = {"WWW-Authenticate": "Bearer"}


def principal_of(request: Request) -> Principal:
    """The key's owner, or 401. The access log names the key, never the key itself."""
    keyring: KeyRing = request.app.state.keyring
    principal = keyring.authenticate(request.headers.get("authorization"))
    structlog.contextvars.bind_contextvars(key_name=principal.name)
    return principal


class BearerKeyMiddleware:
    """Refuse HTTP requests without a known bearer key (401 + ``WWW-Authenticate``).

    Args:
        keyring: the accepted keys.
        open_paths: paths answered without a key (health, readiness, metrics).
    """

    def __init__(
        self, app: ASGIApp, keyring: KeyRing, open_paths: Iterable[str] = OPEN_PATHS
    ) -> None:
        self.app = app
        self.keyring = keyring
        self.open_paths = frozenset(open_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.open_paths:
            await self.app(scope, receive, send)
            return
        header = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                header = value.decode("latin-1")
                break
        try:
            principal = self.keyring.authenticate(header)
        except AuthenticationError as exc:
            response = error_response(exc.status_code, exc.body(), CHALLENGE)
            await response(scope, receive, send)
            return
        structlog.contextvars.bind_contextvars(key_name=principal.name)
        await self.app(scope, receive, send)
