"""Settings validation and how ASR_MODEL is resolved."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.asr.errors import ModelLoadError
from services.asr.model_source import bundled_model_path, load_model
from services.asr.settings import Settings
from services.kit.settings import SettingsError, load_settings
from tests.asr.conftest import make_settings

pytestmark = pytest.mark.unit


def test_defaults() -> None:
    settings = load_settings(Settings)
    assert settings.service_port == 8084
    assert settings.asr_model == "medium"  # the seed's default, resolved below
    assert settings.asr_device == "cpu" and settings.asr_compute_type == "int8"
    assert settings.asr_vad_filter is True
    assert settings.asr_model_fallback is False  # no silent tiny.en in place of medium
    assert settings.asr_condition_on_previous_text is False
    assert settings.hf_hub_offline is True  # set by the test fixture


def test_environment_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASR_PORT", "9123")
    monkeypatch.setenv("ASR_MAX_CONCURRENCY", "3")
    monkeypatch.setenv("ASR_VAD_MIN_SILENCE_MS", "700")
    settings = load_settings(Settings)
    assert settings.service_port == 9123
    assert settings.asr_max_concurrency == 3 and settings.asr_vad_min_silence_ms == 700


@pytest.mark.parametrize(
    ("name", "value"), [("ASR_DEVICE", "tpu"), ("ASR_MAX_QUEUE", "-1"), ("ASR_BEAM_SIZE", "0")]
)
def test_invalid_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=name):
        load_settings(Settings)


def test_bundled_model_is_installed() -> None:
    path = bundled_model_path()
    assert path is not None and (path / "model.bin").is_file()


@pytest.mark.parametrize("name", ["bundled", "tiny.en", ""])
def test_bundled_names(name: str) -> None:
    loaded = load_model(make_settings(asr_model=name))
    assert loaded.name == "tiny.en (bundled)" and loaded.english_only


def test_local_directory() -> None:
    path = str(bundled_model_path())
    loaded = load_model(make_settings(asr_model=path))
    assert loaded.name == path


def test_unavailable_name_falls_back_offline_only_when_allowed(tmp_path: Path) -> None:
    # An empty cache, and HF_HUB_OFFLINE forbids the download.
    settings = make_settings(
        asr_model="medium", asr_model_fallback=True, asr_download_root=tmp_path
    )
    assert load_model(settings).name == "tiny.en (bundled)"
    with pytest.raises(ModelLoadError, match="ASR_MODEL='medium'"):
        load_model(make_settings(asr_model="medium", asr_download_root=tmp_path))


@pytest.mark.parametrize("fallback", [False, True])
def test_a_missing_model_directory_is_never_replaced(tmp_path: Path, fallback: bool) -> None:
    """values-prod.yaml's ASR_MODEL on an empty models volume: refuse, naming the path."""
    missing = tmp_path / "models" / "faster-whisper-medium"
    settings = make_settings(asr_model=str(missing), asr_model_fallback=fallback)
    with pytest.raises(ModelLoadError, match=f"ASR_MODEL={missing}: no such directory"):
        load_model(settings)


def test_a_directory_without_a_model_names_the_path(tmp_path: Path) -> None:
    (tmp_path / "faster-whisper-medium").mkdir()
    settings = make_settings(asr_model=str(tmp_path / "faster-whisper-medium"))
    with pytest.raises(ModelLoadError, match="faster-whisper-medium cannot be loaded on cpu"):
        load_model(settings)


def test_unavailable_name_without_fallback_refuses(tmp_path: Path) -> None:
    settings = make_settings(
        asr_model="medium", asr_model_fallback=False, asr_download_root=tmp_path
    )
    with pytest.raises(ModelLoadError, match="ASR_MODEL='medium'"):
        load_model(settings)


def test_enable_gpu_puts_asr_on_cuda_unless_asr_device_says_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from services.asr.settings import Settings

    assert (Settings().asr_device, Settings().asr_compute_type) == ("cpu", "int8")
    monkeypatch.setenv("ENABLE_GPU", "true")
    assert (Settings().asr_device, Settings().asr_compute_type) == ("cuda", "float16")
    monkeypatch.setenv("ASR_DEVICE", "cpu")
    assert (Settings().asr_device, Settings().asr_compute_type) == ("cpu", "int8")
    monkeypatch.setenv("ASR_COMPUTE_TYPE", "int8_float16")
    monkeypatch.setenv("ASR_DEVICE", "cuda")
    assert Settings().asr_compute_type == "int8_float16"
