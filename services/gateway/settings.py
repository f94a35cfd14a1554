"""Gateway settings."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from services.kit.settings import StackSettings, load_settings


class Settings(StackSettings):
    # Bearer keys, comma-separated. Kept as secrets so they never print in reprs or logs.
    gateway_api_keys: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)

    @field_validator("gateway_api_keys", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("gateway_api_keys")
    @classmethod
    def _require(cls, value: list[SecretStr]) -> list[SecretStr]:
        if not value:
            raise ValueError(
                "no API keys: set GATEWAY_API_KEYS to one or more comma-separated keys "
                "(`aistack up` generates a development key for you)"
            )
        if any(len(k.get_secret_value()) < 16 for k in value):
            raise ValueError("every key in GATEWAY_API_KEYS must be at least 16 characters long")
        return value

    @property
    def service_port(self) -> int:
        return self.gateway_port


@lru_cache
def get_settings() -> Settings:
    return load_settings(Settings)
