"""App factory and lifespan for the asr-api."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.asr.api.routes import ingest, transcriptions
from services.asr.capacity import AdmissionGate
from services.asr.device_check import DeviceCheck
from services.asr.engine import WhisperEngine
from services.asr.errors import MissingToolError
from services.asr.formats import ResponseFormatter
from services.asr.knowledge import KnowledgeBase
from services.asr.media import MediaDecoder
from services.asr.pipeline import TranscriptionPipeline
from services.asr.settings import Settings, get_settings
from services.asr.tagger import SegmentTagger
from services.kit.app import create_service_app
from services.kit.logging import get_logger
from services.kit.peer import PeerClient

log = get_logger(__name__)


def _require_tools(settings: Settings) -> None:
    """Fail start-up, naming the variable, when ffmpeg or ffprobe is missing."""
    for var, tool in (
        ("ASR_FFMPEG_PATH", settings.asr_ffmpeg_path),
        ("ASR_FFPROBE_PATH", settings.asr_ffprobe_path),
    ):
        if shutil.which(tool) is None:
            raise MissingToolError(f"{tool} not found: install ffmpeg or set {var}")


def build_pipeline(
    settings: Settings, engine: WhisperEngine, tagger: SegmentTagger
) -> TranscriptionPipeline:
    decoder = MediaDecoder(
        settings.asr_ffmpeg_path,
        settings.asr_ffprobe_path,
        timeout_s=settings.asr_ffmpeg_timeout_s,
        max_duration_s=settings.asr_max_duration_s,
    )
    gate = AdmissionGate(
        settings.asr_max_concurrency, settings.asr_max_queue, settings.asr_retry_after_s
    )
    return TranscriptionPipeline(decoder, engine, tagger, ResponseFormatter(), gate)


def create_app(
    settings: Settings | None = None,
    engine: WhisperEngine | None = None,
    tagger: SegmentTagger | None = None,
) -> FastAPI:
    """Build the asr-api. ``engine`` and ``tagger`` may be injected (tests share one loaded
    model); otherwise they are built, and the model loaded, in the lifespan."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _require_tools(settings)
        if settings.asr_tmp_dir is not None:
            settings.asr_tmp_dir.mkdir(parents=True, exist_ok=True)
        whisper = engine or WhisperEngine(settings)
        # Loading takes seconds (minutes for a download): keep the loop free meanwhile.
        await asyncio.to_thread(whisper.warm_up)
        tags = tagger or await asyncio.to_thread(SegmentTagger)
        app.state.pipeline = build_pipeline(settings, whisper, tags)
        log.info(
            "asr model ready",
            model=whisper.model_name,
            device=settings.asr_device,
            compute_type=settings.asr_compute_type,
            max_concurrency=settings.asr_max_concurrency,
        )

        async def model_loaded() -> None:
            _ = whisper.loaded

        app.state.readiness_checks["model"] = model_loaded
        device_check = None
        if settings.asr_device == "cuda":
            # Loading the model touches no cuBLAS: only a transcription proves the GPU works.
            device_check = DeviceCheck(whisper, settings.asr_device)
            device_check.start()
            app.state.readiness_checks["device"] = device_check
        rag = PeerClient(settings, settings.rag_base_url, name="rag-api")
        app.state.knowledge = KnowledgeBase(rag)
        try:
            yield
        finally:
            await rag.aclose()
            if device_check is not None:
                await device_check.aclose()

    return create_service_app(
        "asr-api",
        settings,
        routers=[transcriptions.router, ingest.router],
        lifespan=lifespan,
        internal=True,
    )
