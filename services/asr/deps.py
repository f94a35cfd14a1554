"""Typed dependencies for the asr-api's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.asr.knowledge import KnowledgeBase
from services.asr.pipeline import TranscriptionPipeline
from services.asr.settings import Settings


async def _pipeline(request: Request) -> TranscriptionPipeline:
    return request.app.state.pipeline


async def _settings(request: Request) -> Settings:
    return request.app.state.settings


async def _knowledge(request: Request) -> KnowledgeBase:
    return request.app.state.knowledge


PipelineDep = Annotated[TranscriptionPipeline, Depends(_pipeline)]
KnowledgeDep = Annotated[KnowledgeBase, Depends(_knowledge)]
SettingsDep = Annotated[Settings, Depends(_settings)]
