"""asr-api fixtures: test media, one loaded model per session, an in-process app and a real
``python -m services.asr`` process."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from services.asr.engine import WhisperEngine
from services.asr.main import create_app
from services.asr.model_source import LoadedModel, load_model
from services.asr.settings import Settings
from services.asr.tagger import SegmentTagger
from tests.asr.speech import Media, make_media
from tests.conftest import free_port
from tests.service_process import ServiceProcess, running_service

ROOT = Path(__file__).resolve().parents[2]
# Small enough that an over-size upload is cheap to send; larger than every real test file.
UPLOAD_CAP = 4 * 1024 * 1024


def _clear_asr_env(mp: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("ASR_"):
            mp.delenv(name)
    mp.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture(autouse=True)
def _clean_asr_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The root conftest clears the seed's variables; the ASR_* ones are this service's."""
    _clear_asr_env(monkeypatch)


def make_settings(**overrides: object) -> Settings:
    """Settings from arguments only: no .env file, no developer environment."""
    with pytest.MonkeyPatch.context() as mp:
        _clear_asr_env(mp)
        values: dict[str, object] = {"asr_model": "bundled", "hf_hub_offline": True}
        values.update(overrides)
        return Settings(_env_file=None, **values)


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> Media:
    return make_media(tmp_path_factory.mktemp("media"), UPLOAD_CAP)


@pytest.fixture(scope="session")
def loaded_model() -> LoadedModel:
    """The bundled tiny.en, loaded once for the whole session."""
    return load_model(make_settings())


@pytest.fixture(scope="session")
def tagger() -> SegmentTagger:
    return SegmentTagger()


@dataclass
class AppUnderTest:
    client: TestClient
    settings: Settings
    tmp_dir: Path


@pytest.fixture(scope="session")
def asr(
    tmp_path_factory: pytest.TempPathFactory, loaded_model: LoadedModel, tagger: SegmentTagger
) -> Iterator[AppUnderTest]:
    """The real app in process (FastAPI TestClient), sharing the session's model."""
    tmp_dir = tmp_path_factory.mktemp("asr-tmp")
    settings = make_settings(asr_max_upload_bytes=UPLOAD_CAP, asr_tmp_dir=tmp_dir)
    app = create_app(settings, WhisperEngine(settings, loaded_model), tagger)
    with TestClient(app) as client:
        yield AppUnderTest(client, settings, tmp_dir)


def post_file(client: TestClient | httpx.Client, path: Path, **fields: object) -> httpx.Response:
    with path.open("rb") as fh:
        return client.post(
            "/v1/audio/transcriptions",
            files={"file": (path.name, fh)},
            data={"model": "whisper-1", **fields},
        )


@pytest.fixture(scope="session")
def asr_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    """A real ``python -m services.asr`` on a free loopback port: one transcription at a time
    and one place in line, so a burst of requests shows the 503."""
    work = tmp_path_factory.mktemp("asr-proc")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASR_")}
    env.update(
        ASR_PORT=str(port),
        ASR_MODEL="bundled",
        ASR_MAX_CONCURRENCY="1",
        ASR_MAX_QUEUE="1",
        ASR_RETRY_AFTER_S="3",
        ASR_TMP_DIR=str(work),
        HF_HUB_OFFLINE="1",
        LOG_LEVEL="info",
        PYTHONPATH=str(ROOT),
    )
    with running_service("asr", env, port, work.parent, cwd=work, timeout_s=90) as service:
        if service.proc.returncode is not None:
            pytest.fail(f"asr-api exited with {service.proc.returncode}:\n{service.output()}")
        yield service
