"""The speech-to-text component: faster-whisper behind a ``warm_up()`` / ``run()`` contract."""

from __future__ import annotations

from typing import Any

from services.asr.model_source import LoadedModel, load_model
from services.asr.settings import Settings
from services.asr.transcript import DecodedAudio, Segment, TranscribeOptions, Transcript, Word
from services.kit.errors import InvalidRequestError

# faster-whisper's fallback ladder, used when the request says temperature 0 (OpenAI's meaning:
# "start greedy, raise the temperature only when decoding fails its quality thresholds").
_FALLBACK_TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


class WhisperEngine:
    """Transcribes decoded audio. Thread-safe: call ``run`` from worker threads.

    Args:
        settings: model, device, beam size, VAD and conditioning options.
        loaded: an already loaded model (tests share one); otherwise ``warm_up`` loads it.
    """

    def __init__(self, settings: Settings, loaded: LoadedModel | None = None) -> None:
        self.settings = settings
        self._loaded = loaded

    def warm_up(self) -> None:
        """Load the model once (seconds to minutes: call it from the lifespan, in a thread)."""
        if self._loaded is None:
            self._loaded = load_model(self.settings)

    @property
    def loaded(self) -> LoadedModel:
        if self._loaded is None:
            raise RuntimeError("WhisperEngine.warm_up() was not called")
        return self._loaded

    @property
    def model_name(self) -> str:
        return self.loaded.name

    def self_test(self) -> None:
        """Transcribe one second of silence with the VAD off, so that the encoder and the
        decoder run on the device.

        Loading a model touches no cuBLAS; this does. A broken CUDA stack (no
        libcublas.so.12 in the image) raises here, not in the first user's request.
        """
        import numpy as np  # faster-whisper's own dependency; only needed here

        pieces, _ = self.loaded.model.transcribe(
            np.zeros(16000, dtype=np.float32),
            language="en",
            beam_size=1,
            temperature=0.0,
            vad_filter=False,
            condition_on_previous_text=False,
            without_timestamps=True,
        )
        list(pieces)  # the decoding happens while the generator is consumed

    def _vad_parameters(self) -> dict[str, Any]:
        s = self.settings
        return {
            "threshold": s.asr_vad_threshold,
            "min_speech_duration_ms": s.asr_vad_min_speech_ms,
            "min_silence_duration_ms": s.asr_vad_min_silence_ms,
            "speech_pad_ms": s.asr_vad_speech_pad_ms,
        }

    def check_language(self, language: str | None) -> None:
        """Raises InvalidRequestError when an English-only model is asked for another language."""
        if language and self.loaded.english_only and language.lower() not in ("en", "english"):
            raise InvalidRequestError(
                f"the loaded model ({self.model_name}) transcribes English only; "
                f"language {language!r} is not available",
                param="language",
            )

    def run(self, audio: DecodedAudio, options: TranscribeOptions) -> Transcript:
        """Transcribe ``audio`` (blocking, CPU-bound).

        Raises:
            InvalidRequestError: a language the model cannot transcribe.
        """
        self.check_language(options.language)
        s = self.settings
        temperature = options.temperature or _FALLBACK_TEMPERATURES
        pieces, info = self.loaded.model.transcribe(
            audio.samples,
            language="en" if self.loaded.english_only else options.language,
            initial_prompt=options.prompt or None,
            temperature=temperature,
            beam_size=s.asr_beam_size,
            condition_on_previous_text=s.asr_condition_on_previous_text,
            vad_filter=s.asr_vad_filter,
            vad_parameters=self._vad_parameters() if s.asr_vad_filter else None,
            word_timestamps=options.word_timestamps,
        )
        # The segments are a lazy generator: the decoding happens while it is consumed, here.
        segments = [_segment(i, p, audio.duration) for i, p in enumerate(pieces)]
        return Transcript(language=info.language, duration=audio.duration, segments=segments)


def _clamp(t: float, duration: float) -> float:
    # Whisper's timestamps are token positions on a 30 s window and can overshoot the audio.
    return round(min(max(float(t), 0.0), duration), 3)


def _segment(index: int, piece: Any, duration: float) -> Segment:
    words = [
        Word(w.word, _clamp(w.start, duration), _clamp(w.end, duration), float(w.probability))
        for w in (piece.words or [])
    ]
    start = _clamp(piece.start, duration)
    return Segment(
        id=index,
        seek=int(piece.seek),
        start=start,
        end=max(start, _clamp(piece.end, duration)),
        text=piece.text,
        tokens=list(piece.tokens),
        temperature=float(piece.temperature or 0.0),
        avg_logprob=float(piece.avg_logprob),
        compression_ratio=float(piece.compression_ratio),
        no_speech_prob=float(piece.no_speech_prob),
        words=words,
    )
