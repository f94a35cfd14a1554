"""asr-api settings: the model, how it runs, upload limits and capacity.

Every variable is prefixed ``ASR_`` except the seed's ``ASR_MODEL`` (declared on the shared base)
and ``HF_HUB_OFFLINE`` (read here so that no other module touches the environment).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from services.kit.settings import CsvList, StackSettings, load_settings


class Settings(StackSettings):
    # --- the model (see services/asr/model_source.py for how ASR_MODEL is resolved) ---
    # Unset: cuda when the seed's ENABLE_GPU is true, else cpu.
    asr_device: Literal["cpu", "cuda"] = Field(None, validate_default=False)  # type: ignore[assignment]
    # Unset: float16 on cuda, int8 (the fast CPU choice) on cpu; int8_float16 also suits cuda.
    asr_compute_type: str = Field(None, validate_default=False)  # type: ignore[assignment]
    # CTranslate2 threads per transcription; 0 lets it choose (min(4, cores)).
    asr_cpu_threads: int = Field(0, ge=0)
    # When ASR_MODEL names a hub model that cannot be loaded (offline, not cached), serve the
    # bundled tiny.en instead of refusing to start. Off: a deployment that asked for medium
    # must not quietly run the smallest model (the local stack defaults to ASR_MODEL=bundled).
    asr_model_fallback: bool = False
    # Where named models are downloaded to (faster-whisper's default cache when unset).
    asr_download_root: Path | None = None
    hf_hub_offline: bool = False
    # Model ids requests may name (the loaded model also answers to its own name).
    asr_model_ids: CsvList = Field(default_factory=lambda: ["whisper-1"])

    # --- decoding options ---
    asr_beam_size: int = Field(5, ge=1, le=10)
    # Off by default: on technical speech it feeds errors back and causes repetition loops.
    asr_condition_on_previous_text: bool = False
    asr_vad_filter: bool = True
    asr_vad_threshold: float = Field(0.5, gt=0, lt=1)
    asr_vad_min_speech_ms: int = Field(0, ge=0)
    asr_vad_min_silence_ms: int = Field(2000, ge=0)
    asr_vad_speech_pad_ms: int = Field(400, ge=0)

    # --- input limits ---
    # OpenAI's own upload limit is 25 MB.
    asr_max_upload_bytes: int = Field(25 * 1024 * 1024, gt=0)
    asr_max_duration_s: float = Field(3600.0, gt=0)
    asr_ffmpeg_path: str = "ffmpeg"
    asr_ffprobe_path: str = "ffprobe"
    asr_ffmpeg_timeout_s: float = Field(300.0, gt=0)
    # Uploads and decoded audio live here only for the length of a request (system temp if unset).
    asr_tmp_dir: Path | None = None

    # --- capacity ---
    asr_max_concurrency: int = Field(1, ge=1, le=64)
    asr_max_queue: int = Field(8, ge=0, le=1024)
    asr_retry_after_s: int = Field(10, ge=1)

    @model_validator(mode="after")
    def _device_from_enable_gpu(self) -> Settings:
        if self.asr_device is None:
            self.asr_device = "cuda" if self.enable_gpu else "cpu"
        if self.asr_compute_type is None:
            self.asr_compute_type = "float16" if self.asr_device == "cuda" else "int8"
        return self

    @property
    def service_port(self) -> int:
        return self.asr_port


@lru_cache
def get_settings() -> Settings:
    return load_settings(Settings)
