"""Render a transcript in the five OpenAI response formats: json, text, srt, verbose_json, vtt."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from services.asr.transcript import Segment, Transcript

# Whisper reports language codes; OpenAI's verbose_json reports names.
_LANGUAGE_NAMES = {"en": "english", "de": "german", "fr": "french", "es": "spanish",
                   "it": "italian", "nl": "dutch", "pt": "portuguese", "ja": "japanese",
                   "zh": "chinese", "ru": "russian", "pl": "polish", "sv": "swedish"}  # fmt: skip


@dataclass(frozen=True)
class Rendered:
    body: bytes
    media_type: str
    # Seconds of audio transcribed (sent as x-audio-duration-s: the gateway's audio budget).
    duration_s: float = 0.0


def _clock(seconds: float, decimal: str) -> str:
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{decimal}{millis:03d}"


def _cues(segments: list[Segment]) -> list[Segment]:
    return [s for s in segments if s.text.strip()]


def to_srt(transcript: Transcript) -> str:
    blocks = [
        f"{i}\n{_clock(s.start, ',')} --> {_clock(s.end, ',')}\n{s.text.strip()}\n"
        for i, s in enumerate(_cues(transcript.segments), start=1)
    ]
    return "\n".join(blocks)


def to_vtt(transcript: Transcript) -> str:
    blocks = [
        f"{_clock(s.start, '.')} --> {_clock(s.end, '.')}\n{s.text.strip()}\n"
        for s in _cues(transcript.segments)
    ]
    return "WEBVTT\n\n" + "\n".join(blocks)


def segment_dict(segment: Segment) -> dict[str, Any]:
    """One verbose_json segment: OpenAI's fields plus ``tag`` and ``quantities``."""
    return {
        "id": segment.id,
        "seek": segment.seek,
        "start": segment.start,
        "end": segment.end,
        "text": segment.text,
        "tokens": segment.tokens,
        "temperature": segment.temperature,
        "avg_logprob": segment.avg_logprob,
        "compression_ratio": segment.compression_ratio,
        "no_speech_prob": segment.no_speech_prob,
        "tag": segment.tag,
        "quantities": segment.quantities,
    }


def to_verbose(transcript: Transcript, *, segments: bool, words: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "task": "transcribe",
        "language": _LANGUAGE_NAMES.get(transcript.language, transcript.language),
        "duration": round(transcript.duration, 3),
        "text": transcript.text,
    }
    if segments:
        body["segments"] = [segment_dict(s) for s in transcript.segments]
    if words:
        body["words"] = [
            {"word": w.word.strip(), "start": w.start, "end": w.end} for w in transcript.words
        ]
    return body


class ResponseFormatter:
    """The last pipeline stage: a transcript becomes the bytes of one response format."""

    def run(
        self, transcript: Transcript, response_format: str, granularities: frozenset[str]
    ) -> Rendered:
        if response_format == "text":
            return Rendered((transcript.text + "\n").encode(), "text/plain; charset=utf-8")
        if response_format == "srt":
            return Rendered(to_srt(transcript).encode(), "text/plain; charset=utf-8")
        if response_format == "vtt":
            return Rendered(to_vtt(transcript).encode(), "text/vtt; charset=utf-8")
        if response_format == "verbose_json":
            # Segments are always sent (OpenAI omits them for ["word"] alone): they carry the
            # tags and quantities that are this service's point, and clients treat them as optional.
            body = to_verbose(transcript, segments=True, words="word" in granularities)
            return Rendered(orjson.dumps(body), "application/json")
        return Rendered(orjson.dumps({"text": transcript.text}), "application/json")
