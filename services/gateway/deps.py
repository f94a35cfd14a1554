"""Typed dependencies for the gateway's routes."""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import Depends, Header, Request

from services.gateway.conditioning.service import ConditioningService
from services.gateway.keys import KeyRing, Principal
from services.gateway.settings import Settings
from services.kit.deps import from_state
from services.kit.errors import NotFoundError


def principal_of(request: Request) -> Principal:
    """The key's owner, or 401. The access log names the key, never the key itself."""
    keyring: KeyRing = request.app.state.keyring
    principal = keyring.authenticate(request.headers.get("authorization"))
    structlog.contextvars.bind_contextvars(key_name=principal.name)
    return principal


async def authenticate(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> Principal:
    # ``authorization`` is declared so that the OpenAPI schema shows the header.
    return principal_of(request)


SettingsDep = Annotated[Settings, Depends(from_state("settings"))]


async def _require_conditioning(request: Request) -> ConditioningService:
    service = request.app.state.conditioning
    if service is None:
        raise NotFoundError("conditioning is switched off on this gateway (GATEWAY_CONDITIONING)")
    return service


ConditioningDep = Annotated[ConditioningService, Depends(_require_conditioning)]
Authenticated = Depends(authenticate)
