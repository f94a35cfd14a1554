"""A real ``python -m services.asr`` process on loopback: the openai client, capacity, memory."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import openai
import psutil
import pytest

from tests.asr.conftest import ROOT, post_file
from tests.asr.speech import Media
from tests.service_process import ServiceProcess

pytestmark = pytest.mark.integration


def _client(service: ServiceProcess) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{service.base_url}/v1", api_key="unused", max_retries=3)


def test_openai_client_transcribes(asr_process: ServiceProcess, media: Media) -> None:
    client = _client(asr_process)
    with media.technical[1].open("rb") as fh:
        result = client.audio.transcriptions.create(model="whisper-1", file=fh)
    assert "specimen" in result.text.lower()
    with media.technical[1].open("rb") as fh:
        text = client.audio.transcriptions.create(
            model="whisper-1", file=fh, response_format="text"
        )
    assert "kilonewtons" in str(text).lower()


def test_openai_client_verbose_with_words(asr_process: ServiceProcess, media: Media) -> None:
    client = _client(asr_process)
    with media.lecture_mp4.open("rb") as fh:
        result = client.audio.transcriptions.create(
            model="whisper-1",
            file=fh,
            response_format="verbose_json",
            timestamp_granularities=["word", "segment"],
            language="en",
        )
    assert result.duration > 25
    assert result.words and all(w.start <= w.end for w in result.words)
    assert result.segments
    # The extras survive the client's models (they allow unknown fields).
    tags = [seg.model_extra["tag"] for seg in result.segments]  # type: ignore[index]
    assert "technical" in tags and "narrative" in tags


def test_openai_client_srt(asr_process: ServiceProcess, media: Media) -> None:
    with media.technical[0].open("rb") as fh:
        subtitles = _client(asr_process).audio.transcriptions.create(
            model="whisper-1", file=fh, response_format="srt"
        )
    assert str(subtitles).startswith("1\n00:00:00,000 --> ")


def test_openai_client_sees_errors(asr_process: ServiceProcess, media: Media) -> None:
    with media.silent_mp4.open("rb") as fh, pytest.raises(openai.BadRequestError) as exc:
        _client(asr_process).audio.transcriptions.create(model="whisper-1", file=fh)
    assert exc.value.code == "no_audio_stream"


def test_full_queue_answers_503_with_retry_after(asr_process: ServiceProcess, media: Media) -> None:
    """One running + one waiting is the process's capacity: a burst of four gets two 503s."""
    with httpx.Client(base_url=asr_process.base_url, timeout=120) as http:
        with ThreadPoolExecutor(4) as pool:
            responses = list(pool.map(lambda _: post_file(http, media.lecture_mp4), range(4)))
        statuses = sorted(r.status_code for r in responses)
        refused = [r for r in responses if r.status_code == 503]
        assert statuses.count(200) >= 2 and len(refused) >= 1, statuses
        assert set(statuses) <= {200, 503}, statuses
        for response in refused:
            assert response.headers["retry-after"] == "3"
            assert response.json()["error"]["code"] == "queue_full"
        # Capacity comes back once the burst is over.
        assert post_file(http, media.technical[0]).status_code == 200


def test_memory_stays_bounded(asr_process: ServiceProcess, media: Media) -> None:
    process = psutil.Process(asr_process.proc.pid)
    with httpx.Client(base_url=asr_process.base_url, timeout=120) as http:
        for _ in range(3):  # warm the allocator and the caches first
            assert post_file(http, media.technical[2]).status_code == 200
        before = process.memory_info().rss
        for i in range(12):
            path = media.technical[i % len(media.technical)] if i % 3 else media.corrupt
            assert post_file(http, path).status_code in (200, 400)
        grown = process.memory_info().rss - before
    assert grown < 60 * 2**20, f"RSS grew by {grown / 2**20:.1f} MiB over 12 requests"


def test_a_missing_model_folder_stops_start_up_naming_it(tmp_path: Path) -> None:
    """The prod chart's ASR_MODEL on an empty models volume: exit 2 with one line, not a
    quiet tiny.en (the old default fallback)."""
    missing = tmp_path / "models" / "faster-whisper-medium"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASR_")}
    env.update(ASR_MODEL=str(missing), HF_HUB_OFFLINE="1", PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-m", "services.asr"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"asr-api: ASR_MODEL={missing}: no such directory"), line
