"""Orchestrator settings: the stack's variables (ports, LLM runner) and nothing more yet."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field

from services.kit.settings import StackSettings, load_settings


class Settings(StackSettings):
    # Ask rag-api for evidence before generating (off: the LLM sees only the conversation).
    orch_retrieval: bool = True
    # rag-api must answer quickly or the chat goes on without evidence.
    orch_retrieval_timeout_s: float = Field(10.0, gt=0)

    @property
    def service_port(self) -> int:
        return self.orch_port


@lru_cache
def get_settings() -> Settings:
    return load_settings(Settings)
