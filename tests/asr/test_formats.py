"""Response rendering on a hand-made transcript (no model needed)."""

from __future__ import annotations

import io

import orjson
import pytest
import srt
import webvtt

from services.asr.formats import ResponseFormatter, to_srt, to_vtt
from services.asr.transcript import Segment, Transcript, Word

pytestmark = pytest.mark.unit


def _transcript() -> Transcript:
    words = [Word(" Hello", 0.0, 0.8, 0.9), Word(" there.", 0.9, 2.5, 0.8)]
    first = Segment(0, 0, 0.0, 2.5, " Hello there.", [1, 2], 0.0, -0.2, 1.1, 0.01, words=words)
    second = Segment(1, 0, 3661.25, 3663.0, " 250 MPa.", [3], 0.0, -0.3, 1.0, 0.02)
    second.tag, second.quantities = "technical", [{"text": "250 MPa"}]
    return Transcript("en", 3664.0, [first, second])


def test_srt_clock_and_parse() -> None:
    text = to_srt(_transcript())
    assert "01:01:01,250 --> 01:01:03,000" in text
    cues = list(srt.parse(text))
    assert [c.content for c in cues] == ["Hello there.", "250 MPa."]


def test_vtt_clock_and_parse() -> None:
    text = to_vtt(_transcript())
    assert text.startswith("WEBVTT\n\n")
    cues = webvtt.from_buffer(io.StringIO(text)).captions
    assert [c.start for c in cues] == ["00:00:00.000", "01:01:01.250"]


def test_verbose_json_shape() -> None:
    rendered = ResponseFormatter().run(_transcript(), "verbose_json", frozenset({"word"}))
    body = orjson.loads(rendered.body)
    assert rendered.media_type == "application/json"
    assert body["language"] == "english" and body["text"] == "Hello there. 250 MPa."
    assert body["words"] == [
        {"word": "Hello", "start": 0.0, "end": 0.8},
        {"word": "there.", "start": 0.9, "end": 2.5},
    ]
    openai_fields = {"id", "seek", "start", "end", "text", "tokens", "temperature",
                     "avg_logprob", "compression_ratio", "no_speech_prob"}  # fmt: skip
    assert set(body["segments"][1]) == openai_fields | {"tag", "quantities"}
    assert body["segments"][1]["tag"] == "technical"


def test_json_and_text() -> None:
    fmt = ResponseFormatter()
    assert orjson.loads(fmt.run(_transcript(), "json", frozenset()).body) == {
        "text": "Hello there. 250 MPa."
    }
    assert fmt.run(_transcript(), "text", frozenset()).body == b"Hello there. 250 MPa.\n"
