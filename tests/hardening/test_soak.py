"""A short soak (bench/soak.py runs the long one): sustained chat through the local stack with
retrieval and transcription beside it: no errors, and memory does not keep growing."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.soak import report, soak, start_soak_stack
from tests.asr.speech import TECHNICAL, speak
from tests.integration.stackproc import stop

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    ("chats", "warmup"),
    [
        pytest.param(800, 300, id="short"),
        pytest.param(10_000, 1000, marks=pytest.mark.slow, id="10k"),
    ],
)
def test_sustained_chat_with_retrieval_and_transcription(
    tmp_path: Path, chats: int, warmup: int
) -> None:
    wav = speak(TECHNICAL[1], tmp_path / "speech.wav")
    stack, upstream = start_soak_stack(tmp_path)
    try:
        result = soak(stack, wav, chats=chats, concurrency=8, warmup=warmup)
    finally:
        stop(stack)
        upstream.stop()
    print("\n" + report(result))
    assert result.errors == [] and result.side_errors == []
    assert result.side_calls.get("retrieve", 0) > 0 and result.side_calls.get("transcribe", 0) > 0
    # The short run allows more headroom: allocator arenas settle over the first thousands.
    limit = 0.10 if chats >= 10_000 else 0.25
    grown = {name: g for name, g in result.growth().items() if g >= limit}
    assert grown == {}, f"memory kept growing after the warm-up: {grown}"
