"""Settings of the local-stack CLI: the stack's variables plus how to run the embedded runner."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, model_validator

from services.kit.settings import LLMBackend, SettingsError, StackSettings, load_settings


class Settings(StackSettings):
    # Raw, optional here: when unset, `aistack up` generates a development key.
    gateway_api_keys: str | None = None
    startup_timeout_s: float = Field(300.0, gt=0)
    # llama-server knobs for the embedded runner.
    llamacpp_ctx_size: int = Field(8192, ge=512)
    llamacpp_threads: int | None = Field(None, ge=1)
    llamacpp_model_path: str | None = None
    # A Jinja chat template; unset: the shipped Gemma template for the bundled model, the
    # model's own for LLAMACPP_MODEL_PATH.
    llamacpp_chat_template_file: Path | None = None
    # Weight repacking (faster CPU kernels): auto = on unless the CPU advertises AMX.
    llamacpp_repack: Literal["auto", "on", "off"] = "auto"
    llamacpp_alias: str = "gemma-3-270m"
    # How often a crashed service is restarted before the stack gives up.
    max_restarts: int = Field(3, ge=0)

    @model_validator(mode="after")
    def _local_service_token(self) -> Settings:
        # The CLI talks to the internal services of a stack `aistack up` started: it uses
        # that stack's token file unless AISTACK_SERVICE_TOKEN says otherwise.
        if self.aistack_service_token is None:
            from services.cli.devkey import read_service_token

            token = read_service_token(self.aistack_home)
            if token:
                self.aistack_service_token = SecretStr(token)
        return self

    @property
    def service_port(self) -> int:
        return self.gateway_port

    @property
    def embedded_llm(self) -> bool:
        """Start llama-server ourselves unless LLM_BASE_URL points at a running runner (with a
        model table: when one of its models is llama.cpp at the stack's default address)."""
        if self.aistack_models_file:
            from services.kit.llm import default_llm_base_url
            from services.kit.models import read_models_file

            embedded = default_llm_base_url(self, LLMBackend.LLAMACPP)
            routes = read_models_file(self.aistack_models_file, self)
            return any(r.backend == LLMBackend.LLAMACPP and r.base_url == embedded for r in routes)
        return self.llm_backend == LLMBackend.LLAMACPP and not self.llm_base_url

    def child_environment(self, api_key: str, service_token: str) -> dict[str, str]:
        """What each service process inherits: this environment (so .env-less overrides reach
        them too), the resolved state folder, the gateway key and the service token."""
        env = dict(os.environ)
        env.update(
            GATEWAY_API_KEYS=api_key,
            # Every call between the services carries it; the internal ones refuse others.
            AISTACK_SERVICE_TOKEN=service_token,
            AISTACK_HOME=str(self.aistack_home.resolve()),
            PYTHONUNBUFFERED="1",
        )
        # The local stack's speech model is the bundled tiny.en unless ASR_MODEL says otherwise
        # (set in the environment or .env: then asr-api loads that one or refuses to start).
        if "asr_model" not in self.model_fields_set:
            env["ASR_MODEL"] = "bundled"
        # Everything runs offline: no model hub lookups, no telemetry.
        env.setdefault("HF_HUB_OFFLINE", "1")
        env.setdefault("HAYSTACK_TELEMETRY_ENABLED", "False")
        env.setdefault("TOKENIZERS_PARALLELISM", "false")
        # Several model-serving processes share the cores: one torch thread each keeps
        # latency steady instead of every process oversubscribing them.
        env.setdefault("RAG_TORCH_THREADS", "1")
        return env


@lru_cache
def get_settings() -> Settings:
    return load_settings(Settings)


def settings_or_exit(console: Any) -> Settings:
    """The CLI's settings, or one line naming what is wrong and exit status 2."""
    import typer

    try:
        return get_settings()
    except SettingsError as exc:
        console.print(f"[red]error:[/] {exc}", soft_wrap=True)
        raise typer.Exit(2) from None
