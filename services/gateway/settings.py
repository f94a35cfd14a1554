"""Gateway settings."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, SecretStr

from services.kit.keys import KeySettings
from services.kit.settings import CsvList, load_settings


class Settings(KeySettings):
    # Keys and per-key budgets: the kit's KeySettings (GATEWAY_API_KEYS, ..._FILE, ..._RPM/TPM).
    # Shared limiter storage for several replicas; unset: in process memory. A secret: the URL
    # may carry Redis's password (never in repr or logs; the errors name host and port only).
    redis_url: SecretStr | None = None

    # Request guards.
    gateway_max_body_bytes: int = Field(8 * 1024 * 1024, ge=1024)
    # Audio uploads (/v1/audio/*): OpenAI's 25 MB file limit plus room for the form.
    gateway_max_audio_bytes: int = Field(25 * 1024 * 1024 + 64 * 1024, ge=1024)
    gateway_max_messages: int = Field(2048, ge=1)
    gateway_max_tokens_cap: int = Field(32768, ge=1)
    # Tokens charged for a request that sets no max_tokens (its answer is not known yet).
    gateway_default_completion_tokens: int = Field(1024, ge=1)
    # Derive quantities (SI), requested units and constraints and send them beside the prompt.
    gateway_conditioning: bool = True
    # Check answers: SI values and range checks, reported in a `validation` field; with the
    # note on, they are also appended to the answer (never replacing what was sent).
    gateway_validation: bool = True
    gateway_validation_note: bool = True
    # SSE comment interval while the orchestrator works before the first token.
    gateway_keepalive_s: float = Field(10.0, gt=0)

    # The rest of the OpenAI surface at the same address: /v1/embeddings (rag-api) and
    # /v1/audio/transcriptions (asr-api), behind the same keys and budgets.
    gateway_embeddings: bool = True
    gateway_audio: bool = True
    # Transcription model ids /v1/models lists (asr-api serves its one model under them).
    gateway_transcription_models: CsvList = Field(default_factory=lambda: ["whisper-1"])

    @property
    def service_port(self) -> int:
        return self.gateway_port


@lru_cache
def get_settings() -> Settings:
    return load_settings(Settings)
