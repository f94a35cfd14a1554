"""Typed dependencies for the gateway's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from services.gateway.conditioning.service import ConditioningService
from services.gateway.errors import FeatureOffError
from services.gateway.settings import Settings
from services.kit.auth import principal_of
from services.kit.deps import from_state
from services.kit.keys import Principal


async def authenticate(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> Principal:
    # ``authorization`` is declared so that the OpenAPI schema shows the header.
    return principal_of(request)


SettingsDep = Annotated[Settings, Depends(from_state("settings"))]


async def _require_conditioning(request: Request) -> ConditioningService:
    service = request.app.state.conditioning
    if service is None:
        raise FeatureOffError("conditioning is switched off on this gateway (GATEWAY_CONDITIONING)")
    return service


ConditioningDep = Annotated[ConditioningService, Depends(_require_conditioning)]
Authenticated = Depends(authenticate)
