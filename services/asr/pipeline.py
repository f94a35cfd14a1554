"""decode → transcribe → tag → format, each a component with a ``run()``; blocking stages run in
worker threads under the admission gate so the event loop keeps answering."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

from services.asr.capacity import AdmissionGate
from services.asr.engine import WhisperEngine
from services.asr.formats import Rendered, ResponseFormatter
from services.asr.media import MediaDecoder
from services.asr.settings import Settings
from services.asr.tagger import SegmentTagger
from services.asr.transcript import TranscribeOptions, Transcript
from services.kit.logging import get_logger

log = get_logger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class TranscriptionJob:
    """One request's inputs: the uploaded file, a private work directory, and the options."""

    path: Path
    workdir: Path
    options: TranscribeOptions
    response_format: str = "json"
    granularities: frozenset[str] = frozenset({"segment"})


async def run_to_completion(work: Awaitable[T]) -> T:
    """Await ``work``; if the request is cancelled, still wait for the thread to end.

    A thread cannot be stopped: releasing its slot (and deleting its files) while it runs would
    let more transcriptions run than the gate allows.
    """
    task = asyncio.ensure_future(work)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        await asyncio.wait({task})
        raise


class TranscriptionPipeline:
    """Runs jobs through the components.

    Args:
        decoder, engine, tagger, formatter: the stages.
        gate: admission control around the CPU-bound stages.
    """

    def __init__(
        self,
        decoder: MediaDecoder,
        engine: WhisperEngine,
        tagger: SegmentTagger,
        formatter: ResponseFormatter,
        gate: AdmissionGate,
    ) -> None:
        self.decoder = decoder
        self.engine = engine
        self.tagger = tagger
        self.formatter = formatter
        self.gate = gate

    def model_ids(self, settings: Settings) -> frozenset[str]:
        """The names the loaded model answers to: ASR_MODEL_IDS and its own."""
        return frozenset({*settings.asr_model_ids, self.engine.model_name.split(" ")[0]})

    def _transcribe(self, job: TranscriptionJob) -> Transcript:
        audio = self.decoder.run(job.path, job.workdir)
        transcript = self.engine.run(audio, job.options)
        return self.tagger.run(transcript)

    async def run(self, job: TranscriptionJob) -> Rendered:
        """Transcribe ``job`` and render it.

        Raises:
            QueueFullError: no capacity; the media and engine errors of the stages.
        """
        # Fail before the slow part for a request the model cannot serve.
        self.engine.check_language(job.options.language)
        async with self.gate.slot():
            started = time.perf_counter()
            transcript = await run_to_completion(asyncio.to_thread(self._transcribe, job))
        elapsed = time.perf_counter() - started
        log.info(
            "transcribed",
            duration_s=round(transcript.duration, 2),
            elapsed_s=round(elapsed, 3),
            rtf=round(elapsed / transcript.duration, 3) if transcript.duration else None,
            segments=len(transcript.segments),
        )
        rendered = self.formatter.run(transcript, job.response_format, job.granularities)
        return replace(rendered, duration_s=round(transcript.duration, 3))
