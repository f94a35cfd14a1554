"""Typed dependencies for the asr-api's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.asr.pipeline import TranscriptionPipeline
from services.asr.settings import Settings


def _pipeline(request: Request) -> TranscriptionPipeline:
    return request.app.state.pipeline


def _settings(request: Request) -> Settings:
    return request.app.state.settings


PipelineDep = Annotated[TranscriptionPipeline, Depends(_pipeline)]
SettingsDep = Annotated[Settings, Depends(_settings)]
