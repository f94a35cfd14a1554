"""Typed dependencies for the gateway's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from services.gateway.auth import KeyRing
from services.gateway.settings import Settings
from services.gateway.upstream import Orchestrator


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _orchestrator(request: Request) -> Orchestrator:
    return request.app.state.orchestrator


def require_api_key(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> None:
    keyring: KeyRing = request.app.state.keyring
    keyring.check(authorization)


SettingsDep = Annotated[Settings, Depends(_settings)]
OrchestratorDep = Annotated[Orchestrator, Depends(_orchestrator)]
Authenticated = Depends(require_api_key)
