"""Typed dependencies for the orchestrator's routes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from services.orchestrator.settings import Settings


async def _graph(request: Request) -> Any:
    return request.app.state.graph


async def _settings(request: Request) -> Settings:
    return request.app.state.settings


GraphDep = Annotated[Any, Depends(_graph)]
SettingsDep = Annotated[Settings, Depends(_settings)]
