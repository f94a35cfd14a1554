"""Orchestrator settings: the stack's variables (ports, LLM runner) and nothing more yet."""

from __future__ import annotations

from functools import lru_cache

from services.kit.settings import StackSettings, load_settings


class Settings(StackSettings):
    @property
    def service_port(self) -> int:
        return self.orch_port


@lru_cache
def get_settings() -> Settings:
    return load_settings(Settings)
