"""Typed dependencies for the rag-api's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.kit.errors import UpstreamUnavailableError
from services.rag.engine import RagEngine
from services.rag.settings import Settings


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _engine(request: Request) -> RagEngine:
    engine = getattr(request.app.state, "engine", None)
    if engine is None:
        raise UpstreamUnavailableError("the knowledge store is not open yet", code="not_ready")
    return engine


SettingsDep = Annotated[Settings, Depends(_settings)]
EngineDep = Annotated[RagEngine, Depends(_engine)]
