"""Bearer checks on requests: user keys where users come in, the service token inside.

- User keys (the gateway, the MCP servers, the registry's ``/mcp``), against the kit's
  :class:`~services.kit.keys.KeyRing`: ``principal_of`` for FastAPI routes (the key ring on
  ``app.state.keyring``), :class:`BearerKeyMiddleware` for mounted ASGI apps (the MCP
  endpoints), which answers 401 with ``WWW-Authenticate: Bearer`` as MCP clients expect.
- The service token (``AISTACK_SERVICE_TOKEN``): :class:`ServiceTokenMiddleware` in front of
  the internal services, so that reaching their port is not enough to bypass the gateway's
  keys and budgets. Probes and scrapes (``/health``, ``/ready``, ``/metrics``) stay open.
"""

from __future__ import annotations

import hashlib
import hmac
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


def _bearer(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if scheme.lower() == "bearer" else None
    return None


class ServiceTokenMiddleware:
    """Refuse HTTP requests that do not carry the stack's service token (401).

    Args:
        token: the service token.
        open_paths: paths answered without it.
        open_prefixes: path prefixes with their own check (the registry's ``/mcp``).
    """

    def __init__(
        self,
        app: ASGIApp,
        token: str,
        open_paths: Iterable[str] = OPEN_PATHS,
        open_prefixes: Iterable[str] = (),
    ) -> None:
        self.app = app
        self._digest = hashlib.sha256(token.encode()).digest()
        self.open_paths = frozenset(open_paths)
        self.open_prefixes = tuple(open_prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] != "http"
            or path in self.open_paths
            or (self.open_prefixes and path.startswith(self.open_prefixes))
        ):
            await self.app(scope, receive, send)
            return
        presented = _bearer(scope)
        ok = presented is not None and hmac.compare_digest(
            hashlib.sha256(presented.encode()).digest(), self._digest
        )
        if not ok:
            err = AuthenticationError(
                "this service answers only the stack's own services: send the service token "
                "(AISTACK_SERVICE_TOKEN) as 'Authorization: Bearer <token>'; users go through "
                "the gateway",
                code="invalid_service_token",
            )
            await error_response(err.status_code, err.body(), CHALLENGE)(scope, receive, send)
            return
        structlog.contextvars.bind_contextvars(key_name="service")
        await self.app(scope, receive, send)
