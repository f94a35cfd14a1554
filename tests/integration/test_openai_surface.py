"""The whole OpenAI surface at the gateway's one address, with the real ``openai`` client:
chat, embeddings and audio transcriptions behind the same keys and budgets."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import openai
import pytest
import yaml

from tests.asr.speech import TECHNICAL, speak
from tests.integration.stackproc import Stack, start_stack, stop

pytestmark = pytest.mark.integration

TINY_KEY = "sk-tiny-budget-key-0123456789"
AUDIO_CAP = 2_000_000


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    work = tmp_path_factory.mktemp("surface")
    keys = work / "keys.yaml"
    # A key with tiny budgets: two requests a minute, three seconds of audio a minute.
    keys.write_text(yaml.safe_dump({"keys": [{"name": "tiny", "key": TINY_KEY, "rpm": 2,
                                              "spm": 3}]}))  # fmt: skip
    s = start_stack(
        work,
        GATEWAY_API_KEYS_FILE=str(keys),
        GATEWAY_MAX_AUDIO_BYTES=str(AUDIO_CAP),
        MCP_INGEST_ON_START="false",
    )
    try:
        yield s
    finally:
        stop(s)


@pytest.fixture(scope="module")
def client(stack: Stack) -> openai.OpenAI:
    return openai.OpenAI(base_url=stack.base_url, api_key=stack.key, max_retries=0, timeout=120)


@pytest.fixture(scope="module")
def wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return speak(TECHNICAL[0], tmp_path_factory.mktemp("speech") / "yield.wav")


def _port(stack: Stack, name: str) -> int:
    return next(c["port"] for c in stack.state()["components"] if c["name"] == name)


def test_models_list_chat_embedding_and_transcription_ids(client: openai.OpenAI) -> None:
    models = {m.id: m.owned_by for m in client.models.list().data}
    assert "ai-stack" in models and "whisper-1" in models
    assert "sentence-transformers/all-MiniLM-L6-v2" in models


def test_embeddings_through_the_gateway_equal_rag_apis_own(
    stack: Stack, client: openai.OpenAI
) -> None:
    texts = ["Class 8.8 M12 bolt preload", "Water boils at 100 °C."]
    through = client.embeddings.create(model="all-MiniLM-L6-v2", input=texts)
    direct = httpx.post(
        f"http://127.0.0.1:{_port(stack, 'rag-api')}/v1/embeddings",
        json={"model": "all-MiniLM-L6-v2", "input": texts},
        headers=stack.service_headers,
        timeout=60,
    ).json()
    assert [len(d.embedding) for d in through.data] == [384, 384]
    for ours, theirs in zip(through.data, direct["data"], strict=True):
        assert np.allclose(ours.embedding, theirs["embedding"], atol=1e-6)
    assert through.usage.prompt_tokens == direct["usage"]["prompt_tokens"] > 0
    with pytest.raises(openai.NotFoundError) as info:
        client.embeddings.create(model="text-embedding-3-small", input="x")
    assert "text-embedding-3-small" in info.value.message


@pytest.mark.parametrize("response_format", ["json", "text", "srt", "verbose_json", "vtt"])
def test_transcriptions_in_every_format(
    client: openai.OpenAI, wav: Path, response_format: str
) -> None:
    with wav.open("rb") as audio:
        result = client.audio.transcriptions.create(
            model="whisper-1", file=audio, response_format=response_format
        )
    text = result if isinstance(result, str) else result.text
    assert "yield strength" in str(text).lower()
    if response_format == "srt":
        assert str(result).startswith("1\n00:00:00,000 --> ")
    if response_format == "vtt":
        assert str(result).startswith("WEBVTT")


def test_a_video_file_is_transcribed_like_on_asr_api(
    client: openai.OpenAI, wav: Path, tmp_path: Path
) -> None:
    video = tmp_path / "clip.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=blue:s=160x120:r=10",
         "-i", str(wav), "-shortest", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac",
         str(video)],
        check=True, timeout=120,
    )  # fmt: skip
    with video.open("rb") as clip:
        result = client.audio.transcriptions.create(model="whisper-1", file=clip)
    assert "yield strength" in result.text.lower()


def test_no_key_is_401_on_every_route(stack: Stack, wav: Path) -> None:
    bad = openai.OpenAI(base_url=stack.base_url, api_key="sk-not-a-key-000000000", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        bad.embeddings.create(model="all-MiniLM-L6-v2", input="x")
    with wav.open("rb") as audio, pytest.raises(openai.AuthenticationError):
        bad.audio.transcriptions.create(model="whisper-1", file=audio)


def test_an_over_budget_key_gets_429_with_retry_after(stack: Stack, wav: Path) -> None:
    tiny = openai.OpenAI(base_url=stack.base_url, api_key=TINY_KEY, max_retries=0, timeout=120)
    with wav.open("rb") as audio:  # ~5 s of speech: the 3 s budget is spent afterwards
        tiny.audio.transcriptions.create(model="whisper-1", file=audio)
    with wav.open("rb") as audio, pytest.raises(openai.RateLimitError) as info:
        tiny.audio.transcriptions.create(model="whisper-1", file=audio)
    assert int(info.value.response.headers["retry-after"]) >= 1
    assert "audio seconds per minute" in info.value.message
    # Requests per minute (2): the transcription counted, the refused one did not (it was
    # turned away before), so one embedding passes and the next is refused.
    tiny.embeddings.create(model="all-MiniLM-L6-v2", input="x")
    with pytest.raises(openai.RateLimitError) as info:
        tiny.embeddings.create(model="all-MiniLM-L6-v2", input="y")
    assert "requests per minute" in info.value.message
    assert int(info.value.response.headers["retry-after"]) >= 1


def test_an_over_size_upload_is_413_naming_the_variable(stack: Stack, tmp_path: Path) -> None:
    big = tmp_path / "big.wav"
    big.write_bytes(b"\0" * (AUDIO_CAP + 1024))
    with big.open("rb") as audio:
        response = httpx.post(
            f"{stack.base_url}/audio/transcriptions",
            headers={"Authorization": f"Bearer {stack.key}"},
            files={"file": ("big.wav", audio, "audio/wav")},
            data={"model": "whisper-1"},
            timeout=60,
        )
    assert response.status_code == 413
    assert "GATEWAY_MAX_AUDIO_BYTES" in response.json()["error"]["message"]


def test_a_chunked_upload_over_the_cap_is_413_too(stack: Stack) -> None:
    """No Content-Length: the relay counts as it streams and stops at the cap."""
    boundary = "x-boundary"

    def body():
        yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\n"
               f"whisper-1\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
               f"filename=\"big.wav\"\r\nContent-Type: audio/wav\r\n\r\n").encode()  # fmt: skip
        for _ in range(AUDIO_CAP // 65536 + 4):
            yield b"\0" * 65536
        yield f"\r\n--{boundary}--\r\n".encode()

    response = httpx.post(
        f"{stack.base_url}/audio/transcriptions",
        headers={"Authorization": f"Bearer {stack.key}",
                 "Content-Type": f"multipart/form-data; boundary={boundary}"},
        content=body(),
        timeout=60,
    )  # fmt: skip
    assert response.status_code == 413, response.text
    assert "GATEWAY_MAX_AUDIO_BYTES" in response.json()["error"]["message"]


def test_translations_are_a_clear_404(stack: Stack, wav: Path) -> None:
    response = httpx.post(
        f"{stack.base_url}/audio/translations",
        headers={"Authorization": f"Bearer {stack.key}"},
        files={"file": ("a.wav", wav.read_bytes(), "audio/wav")},
        timeout=60,
    )
    assert response.status_code == 404
    assert "transcriptions" in response.json()["error"]["message"]
