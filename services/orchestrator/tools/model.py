"""One server tool as the orchestrator sees it, whichever server holds it."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

# OpenAI's function-name rule: clients and backends reject anything else.
NAME_RULE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
SEPARATOR = "__"


def public_name(namespace: str, name: str) -> str:
    """``<namespace>__<name>`` within OpenAI's rule (no dots; at most 64 characters: a long
    name is cut and keeps a short hash, so two long names stay distinct)."""
    cleaned = re.sub(r"[^a-zA-Z0-9_-]", "_", name)
    full = f"{namespace}{SEPARATOR}{cleaned}"
    if len(full) <= 64:
        return full
    digest = hashlib.sha256(full.encode()).hexdigest()[:8]
    return f"{full[:55]}_{digest}"


@dataclass(frozen=True)
class ServerTool:
    """A tool offered to the model under ``public`` and called as ``target`` on ``origin``
    (``tools`` for the registry, else an MCP domain)."""

    public: str
    origin: str
    target: str
    description: str
    parameters: dict[str, Any]
    # Unit-aware parameters and their quantity kinds (registry tools only).
    quantities: dict[str, str] = field(default_factory=dict)
    required: tuple[str, ...] = ()

    def openai(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {
                "name": self.public,
                "description": self.description,
                "parameters": self.parameters or {"type": "object", "properties": {}},
            },
        }


@dataclass(frozen=True)
class ToolOutcome:
    """What a tool answered: text for the model, the structured value when there is one."""

    text: str
    value: Any
    is_error: bool
    duration_ms: float
