"""Orchestrator settings: evidence (retrieval, tools, MCP), the loop's budget, tool calling."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache

from pydantic import Field, SecretStr, field_validator

from services.kit.settings import CsvList, LLMBackend, StackSettings, load_settings
from services.kit.vocabulary import DOMAINS


class ToolCalling(StrEnum):
    """LLM_TOOL_CALLING: whether the model is offered tools (auto: when the backend can call
    them; the embedded llama.cpp base model cannot)."""

    AUTO = "auto"
    ON = "on"
    OFF = "off"


class Settings(StackSettings):
    # Request bodies over this are refused with 413 before they are read. Above the gateway's
    # GATEWAY_MAX_BODY_BYTES (8 MiB), which it forwards with the conditioning added.
    orch_max_body_bytes: int = Field(16 * 1024 * 1024, ge=1024)
    # Ask rag-api for evidence before generating (off: the LLM sees only the conversation).
    orch_retrieval: bool = True
    # rag-api must answer quickly or the chat goes on without evidence.
    orch_retrieval_timeout_s: float = Field(10.0, gt=0)
    # Use the tool registry: rule-chosen tools (unit conversions, calculators) and the
    # model's own tool calls.
    orch_tools: bool = True
    # MCP domain servers whose tools the model is offered ("" = none).
    orch_mcp_domains: CsvList = Field(default_factory=lambda: list(DOMAINS))
    # The bearer key the orchestrator presents to the tool registry and the MCP servers.
    orch_peer_api_key: SecretStr | None = None
    # How long a fetched tool list is reused before asking again.
    orch_tool_list_ttl_s: float = Field(10.0, gt=0)

    # The loop's budget: steps (tools, retrievals, model tool rounds), each step's time, and
    # the whole run's; when one is reached the answer is generated from what was gathered.
    orch_max_steps: int = Field(8, ge=1, le=64)
    orch_step_timeout_s: float = Field(15.0, gt=0)
    orch_deadline_s: float = Field(60.0, gt=0)

    llm_tool_calling: ToolCalling = ToolCalling.AUTO

    # GET /debug/last: the last run's state per key (off in the production values).
    orch_debug: bool = True

    @field_validator("orch_mcp_domains")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(DOMAINS))
        if unknown:
            raise ValueError(f"unknown domain(s) {unknown}; choose from {', '.join(DOMAINS)}")
        return value

    def tool_calling_for(self, backend: LLMBackend) -> bool:
        """LLM_TOOL_CALLING for a runner: auto = every backend but the embedded llama.cpp."""
        if self.llm_tool_calling == ToolCalling.AUTO:
            return backend != LLMBackend.LLAMACPP
        return self.llm_tool_calling == ToolCalling.ON

    @property
    def tools_offered_to_model(self) -> bool:
        """Whether the model is offered tools (LLM_TOOL_CALLING, auto by backend)."""
        return self.tool_calling_for(self.llm_backend)

    @property
    def service_port(self) -> int:
        return self.orch_port


@lru_cache
def get_settings() -> Settings:
    return load_settings(Settings)
