"""Gateway settings."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from services.kit.settings import StackSettings, load_settings


class Settings(StackSettings):
    # Bearer keys, comma-separated (`key` or `name:key`), and/or a YAML keys file.
    gateway_api_keys: Annotated[list[str], NoDecode] = Field(default_factory=list, repr=False)
    gateway_api_keys_file: Path | None = None

    # Per-key budgets (overridable per key in the keys file).
    gateway_default_rpm: int = Field(600, ge=1)
    gateway_default_tpm: int = Field(2_000_000, ge=1)
    # Shared limiter storage for several replicas; unset: in process memory.
    redis_url: str | None = None

    # Request guards.
    gateway_max_body_bytes: int = Field(8 * 1024 * 1024, ge=1024)
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

    @field_validator("gateway_api_keys", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def service_port(self) -> int:
        return self.gateway_port


@lru_cache
def get_settings() -> Settings:
    return load_settings(Settings)
