"""Typed dependencies for the orchestrator's routes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from services.kit.deps import from_state
from services.orchestrator.settings import Settings

GraphDep = Annotated[Any, Depends(from_state("graph"))]
SettingsDep = Annotated[Settings, Depends(from_state("settings"))]
