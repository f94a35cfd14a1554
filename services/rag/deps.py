"""Typed dependencies for the rag-api's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.kit.deps import from_state
from services.rag.engine import RagEngine
from services.rag.settings import Settings

SettingsDep = Annotated[Settings, Depends(from_state("settings"))]
# 503 until the lifespan has opened the store (and after it closed it).
EngineDep = Annotated[RagEngine, Depends(from_state("engine"))]
