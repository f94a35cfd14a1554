"""/ready on the GPU runs one tiny transcription: a broken CUDA stack is never ready.

Loading a CTranslate2 model touches no cuBLAS, so an image without libcublas.so.12 passes
/health, the model check and `helm test`, and fails every transcription. The real engine runs
the same test transcription here on the CPU; the CUDA failure is CTranslate2's own error,
raised by a stand-in for the model at the one boundary this machine cannot reach (a GPU).
"""

from __future__ import annotations

import asyncio

import pytest
from fastapi.testclient import TestClient

from services.asr.device_check import DeviceCheck
from services.asr.engine import WhisperEngine
from services.asr.main import create_app
from services.asr.model_source import LoadedModel
from services.asr.tagger import SegmentTagger
from tests.asr.conftest import AppUnderTest, make_settings

pytestmark = pytest.mark.unit

# What CTranslate2 raises on the first GEMM when the image lacks cuBLAS.
CUBLAS_MISSING = "Library libcublas.so.12 is not found or cannot be loaded"


class _NoCuBLAS:
    """A model whose every transcription fails as CTranslate2's does without cuBLAS."""

    def transcribe(self, *_: object, **__: object) -> object:
        raise RuntimeError(CUBLAS_MISSING)


def test_the_test_transcription_runs_on_the_real_engine(loaded_model: LoadedModel) -> None:
    check = DeviceCheck(WhisperEngine(make_settings(), loaded_model), "cpu")

    async def twice() -> None:
        await check()
        await check()  # kept: the second probe transcribes nothing

    asyncio.run(twice())


def test_a_broken_cuda_stack_fails_readiness_not_health(tagger: SegmentTagger) -> None:
    settings = make_settings(asr_device="cuda", asr_compute_type="float16")
    engine = WhisperEngine(settings, LoadedModel(_NoCuBLAS(), "medium", False))
    with TestClient(create_app(settings, engine, tagger)) as client:
        assert client.get("/health").status_code == 200
        ready = client.get("/ready")
        assert ready.status_code == 503
        checks = ready.json()["checks"]
        assert checks["model"] == "ok"
        assert "test transcription on cuda failed" in checks["device"]
        assert CUBLAS_MISSING in checks["device"]


def test_on_the_cpu_readiness_has_no_device_check(asr: AppUnderTest) -> None:
    ready = asr.client.get("/ready").json()
    assert ready["status"] == "ready" and "device" not in ready["checks"]
