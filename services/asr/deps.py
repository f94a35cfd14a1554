"""Typed dependencies for the asr-api's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.asr.knowledge import KnowledgeBase
from services.asr.pipeline import TranscriptionPipeline
from services.asr.settings import Settings
from services.kit.deps import from_state

PipelineDep = Annotated[TranscriptionPipeline, Depends(from_state("pipeline"))]
KnowledgeDep = Annotated[KnowledgeBase, Depends(from_state("knowledge"))]
SettingsDep = Annotated[Settings, Depends(from_state("settings"))]
