"""Typed dependencies for the gateway's routes."""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import Depends, Header, Request

from services.gateway.conditioning.service import ConditioningService
from services.gateway.keys import KeyRing, Principal
from services.gateway.ratelimit import RateLimiter
from services.gateway.settings import Settings
from services.gateway.upstream import Orchestrator
from services.gateway.validation.validator import Validator
from services.kit.deps import from_state
from services.kit.errors import NotFoundError


async def _validator(request: Request) -> Validator | None:
    # Optional: None when GATEWAY_VALIDATION is off.
    return request.app.state.validator


async def _conditioning(request: Request) -> ConditioningService | None:
    # Optional: None when GATEWAY_CONDITIONING is off (the chat route then sends none).
    return request.app.state.conditioning


async def authenticate(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> Principal:
    keyring: KeyRing = request.app.state.keyring
    principal = keyring.authenticate(authorization)
    # The access log names the key, never the key itself.
    structlog.contextvars.bind_contextvars(key_name=principal.name)
    return principal


SettingsDep = Annotated[Settings, Depends(from_state("settings"))]
OrchestratorDep = Annotated[Orchestrator, Depends(from_state("orchestrator"))]
LimiterDep = Annotated[RateLimiter, Depends(from_state("limiter"))]
OptionalConditioningDep = Annotated[ConditioningService | None, Depends(_conditioning)]
OptionalValidatorDep = Annotated[Validator | None, Depends(_validator)]


async def _require_conditioning(request: Request) -> ConditioningService:
    service = request.app.state.conditioning
    if service is None:
        raise NotFoundError("conditioning is switched off on this gateway (GATEWAY_CONDITIONING)")
    return service


ConditioningDep = Annotated[ConditioningService, Depends(_require_conditioning)]
PrincipalDep = Annotated[Principal, Depends(authenticate)]
Authenticated = Depends(authenticate)
