"""Settings base shared by every service.

Each service defines one ``Settings`` subclass of :class:`StackSettings` and a cached
``get_settings()``; nothing else in the code base reads the environment. The variable names are
the seed's (``GATEWAY_PORT``, ``ORCH_PORT``, ``LLM_BACKEND`` ...) so a ``.env`` written for the
original plan keeps working.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar

from pydantic import BeforeValidator, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Cursor changes its request format by model-name prefix, so published ids must avoid these.
RESERVED_MODEL_PREFIXES = ("gpt-", "claude-", "gemini-")


class LLMBackend(StrEnum):
    """Which OpenAI-compatible runner answers: all are spoken to through the same client."""

    LLAMACPP = "llamacpp"
    OLLAMA = "ollama"
    VLLM = "vllm"
    OPENAI = "openai"


class LogFormat(StrEnum):
    JSON = "json"
    CONSOLE = "console"


def split_csv(value: object) -> object:
    """``"a, b,,c"`` → ``["a", "b", "c"]``; anything else as it came."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


# A comma-separated variable read as a list of strings (``AISTACK_MODELS=a,b``); NoDecode keeps
# pydantic-settings from reading it as JSON first.
CsvList = Annotated[list[str], NoDecode, BeforeValidator(split_csv)]


class StackSettings(BaseSettings):
    """Variables every service understands: ports, peers, the LLM runner, logging, tracing."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    # Where services bind. Loopback for the local stack; the chart sets 0.0.0.0.
    bind_host: str = "127.0.0.1"
    # Host used to build peer URLs when no explicit *_URL is set.
    peer_host: str = "127.0.0.1"

    # The seed's ports (§3).
    gateway_port: int = Field(8080, ge=1, le=65535)
    orch_port: int = Field(8081, ge=1, le=65535)
    rag_port: int = Field(8082, ge=1, le=65535)
    asr_port: int = Field(8084, ge=1, le=65535)
    mcp_port: int = Field(8085, ge=1, le=65535)
    tools_port: int = Field(8086, ge=1, le=65535)
    llamacpp_port: int = Field(8087, ge=1, le=65535)

    # Explicit peer URLs win over host:port (in a cluster they are Service DNS names).
    orchestrator_url: str | None = None
    rag_url: str | None = None
    asr_url: str | None = None
    mcp_url: str | None = None
    tools_url: str | None = None

    # The LLM runner (seed §3 plus LLM_BASE_URL).
    llm_backend: LLMBackend = LLMBackend.LLAMACPP
    llm_base_url: str | None = None
    llm_model: str | None = None
    # A secret: SecretStr keeps it out of repr() and logs.
    llm_api_key: SecretStr | None = None
    ollama_model: str = "llama3:8b-instruct"
    vllm_model: str = "/models/Mistral-7B-Instruct"
    # The seed's GPU switch: asr-api runs on cuda when it is set (unless ASR_DEVICE says).
    enable_gpu: bool = False

    # Published model ids (what /v1/models lists); every one is served by the configured runner.
    aistack_models: CsvList = ["ai-stack"]
    # Or a model table: id -> runner, several side by side (services/kit/models.py); in the
    # cluster the operator's ConfigMap. When set, it replaces AISTACK_MODELS and the runner
    # settings above.
    aistack_models_file: Path | None = None

    # The seed's RAG and ASR variables (§3), read by rag-api and asr-api.
    qdrant_url: str | None = None
    embedding_model: str = "sentence-transformers/all-MiniLM-L6-v2"
    asr_model: str = "medium"

    # Timeouts on every network call, in seconds.
    http_connect_timeout_s: float = Field(3.0, gt=0)
    http_read_timeout_s: float = Field(300.0, gt=0)
    http_pool_timeout_s: float = Field(5.0, gt=0)
    ready_check_timeout_s: float = Field(2.0, gt=0)
    # What each service's own HTTP server accepts from a client (services/kit/httpguard.py):
    # the request head's size, how long it may take, and how slowly a body may arrive (after
    # SERVER_BODY_TIMEOUT_S, at least SERVER_BODY_MIN_RATE bytes per second on average).
    server_max_head_bytes: int = Field(64 * 1024, ge=1024)
    server_head_timeout_s: float = Field(10.0, gt=0)
    server_body_timeout_s: float = Field(30.0, gt=0)
    server_body_min_rate: float = Field(1024.0, gt=0)

    log_level: str = "info"
    log_format: LogFormat = LogFormat.JSON
    # Development only (the chart's devReload, for skaffold's file sync): the process
    # supervises a child and restarts it when a .py file under services/ changes, through
    # the same entry point, settings and logging as production (services/kit/serve.py).
    dev_reload: bool = False
    # Tracing exports only when an OTLP endpoint is set; ids are generated either way.
    otel_exporter_otlp_endpoint: str | None = None

    # The stack's internal credential: every call between services carries it, and the internal
    # services (orchestrator, rag-api, asr-api, the tool registry's API) refuse calls without
    # it. A Secret in the chart; generated into AISTACK_HOME by `aistack up`. Never logged.
    aistack_service_token: SecretStr | None = None

    # Local state (keys, pid file, logs) for the embedded stack.
    aistack_home: Path = Path(".aistack")

    @field_validator("aistack_models")
    @classmethod
    def _check_models(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("AISTACK_MODELS must name at least one model id")
        for name in value:
            if name.lower().startswith(RESERVED_MODEL_PREFIXES):
                raise ValueError(
                    f"AISTACK_MODELS entry {name!r} starts with a prefix Cursor treats specially "
                    f"({', '.join(RESERVED_MODEL_PREFIXES)}); choose another name"
                )
        return value

    @field_validator("log_level")
    @classmethod
    def _check_level(cls, value: str) -> str:
        level = value.lower()
        if level not in {"debug", "info", "warning", "error", "critical"}:
            raise ValueError("LOG_LEVEL must be one of debug, info, warning, error, critical")
        return level

    def peer_url(self, port: int) -> str:
        """Base URL of a peer service reached on ``peer_host``."""
        return f"http://{self.peer_host}:{port}"

    @property
    def service_port(self) -> int:
        """The port this service listens on; each service's Settings names its own."""
        raise NotImplementedError(f"{type(self).__name__} does not define service_port")

    @property
    def asr_base_url(self) -> str:
        return (self.asr_url or self.peer_url(self.asr_port)).rstrip("/")

    @property
    def rag_base_url(self) -> str:
        return (self.rag_url or self.peer_url(self.rag_port)).rstrip("/")

    @property
    def orchestrator_base_url(self) -> str:
        return (self.orchestrator_url or self.peer_url(self.orch_port)).rstrip("/")

    @property
    def tools_base_url(self) -> str:
        return (self.tools_url or self.peer_url(self.tools_port)).rstrip("/")

    @property
    def mcp_base_url(self) -> str:
        return (self.mcp_url or self.peer_url(self.mcp_port)).rstrip("/")


S = TypeVar("S", bound=StackSettings)


class SettingsError(RuntimeError):
    """Raised at start-up when the environment does not describe a valid configuration."""


def load_settings(cls: type[S], **overrides: object) -> S:
    """Build ``cls`` from the environment, turning validation errors into one readable message.

    Raises:
        SettingsError: naming each offending variable and what is wrong with it.
    """
    from pydantic import ValidationError

    try:
        return cls(**overrides)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            name = "_".join(str(part) for part in err["loc"] if isinstance(part, str)).upper()
            problems.append(f"{name or 'settings'}: {err['msg']}")
        raise SettingsError("invalid configuration: " + "; ".join(problems)) from None
