"""Bad uploads get a 4xx that says what is wrong, never a 500; the service keeps answering."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from services.asr.engine import WhisperEngine
from services.asr.main import create_app
from services.asr.model_source import LoadedModel
from services.asr.tagger import SegmentTagger
from tests.asr.conftest import UPLOAD_CAP, AppUnderTest, make_settings, post_file
from tests.asr.speech import Media

pytestmark = pytest.mark.unit


def _error(response, status: int, code: str) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["code"] == code, error
    return error["message"]


@pytest.mark.parametrize(
    ("name", "code", "words"),
    [
        ("corrupt", "unreadable_media", "not a readable audio or video"),
        ("truncated_mp4", "unreadable_media", "not a readable audio or video"),
        ("text_file", "unreadable_media", "not"),
        ("silent_mp4", "no_audio_stream", "no audio stream"),
        ("empty_wav", "unreadable_media", "no decodable sound"),
    ],
)
def test_unusable_files_are_400(
    asr: AppUnderTest, media: Media, name: str, code: str, words: str
) -> None:
    message = _error(post_file(asr.client, getattr(media, name)), 400, code)
    assert words in message


def test_oversize_upload_is_413_naming_the_cap(asr: AppUnderTest, media: Media) -> None:
    # Just over the cap: the declared length passes, the copy stops at the cap.
    message = _error(post_file(asr.client, media.oversize), 413, "file_too_large")
    assert str(UPLOAD_CAP) in message and "ASR_MAX_UPLOAD_BYTES" in message


def test_declared_oversize_is_refused_before_reading(asr: AppUnderTest) -> None:
    # Far over the cap: refused from the Content-Length header alone.
    body = b"x" * (UPLOAD_CAP + 512 * 1024)
    response = asr.client.post(
        "/v1/audio/transcriptions",
        content=body,
        headers={"content-type": "multipart/form-data; boundary=never-read"},
    )
    _error(response, 413, "file_too_large")


def test_too_long_audio_is_413_naming_the_cap(
    media: Media, loaded_model: LoadedModel, tagger: SegmentTagger
) -> None:
    settings = make_settings(asr_max_duration_s=3)
    app = create_app(settings, WhisperEngine(settings, loaded_model), tagger)
    with TestClient(app) as client:
        message = _error(post_file(client, media.lecture_mp4), 413, "audio_too_long")
    assert "3 s" in message and "ASR_MAX_DURATION_S" in message


@pytest.mark.parametrize(
    ("fields", "param"),
    [
        ({"response_format": "docx"}, "response_format"),
        ({"timestamp_granularities[]": "word"}, "timestamp_granularities"),  # json + word
        (
            {"response_format": "verbose_json", "timestamp_granularities[]": "page"},
            "timestamp_granularities",
        ),
        ({"temperature": "hot"}, "temperature"),
        ({"temperature": "3"}, "temperature"),
        ({"language": "de"}, "language"),  # tiny.en is English-only
        ({"stream": "true"}, "stream"),
    ],
)
def test_invalid_fields_are_400_naming_the_field(
    asr: AppUnderTest, media: Media, fields: dict[str, str], param: str
) -> None:
    response = post_file(asr.client, media.technical[4], **fields)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == param


def test_missing_file_is_400(asr: AppUnderTest) -> None:
    response = asr.client.post("/v1/audio/transcriptions", data={"model": "whisper-1"})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "file"


def test_service_keeps_answering_and_leaves_no_files(asr: AppUnderTest, media: Media) -> None:
    for path in (media.corrupt, media.silent_mp4, media.text_file, media.oversize):
        assert 400 <= post_file(asr.client, path).status_code < 500
    response = post_file(asr.client, media.technical[4])
    assert response.status_code == 200
    assert "catalyst" in response.json()["text"].lower()
    assert asr.client.get("/ready").status_code == 200
    # Every request's upload and decoded audio are gone, failed ones included.
    assert list(asr.tmp_dir.iterdir()) == []
