"""What the registry knows about one tool, whatever kind of plugin it came from."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

import orjson


@dataclass(frozen=True)
class Outcome:
    """A finished call: the result (JSON or text) and whether it is the tool's failure."""

    content: Any
    is_error: bool = False


class Runner(Protocol):
    """How a tool is invoked. Raises ArgumentsError (422) or ToolTimeoutError (504);
    anything the tool itself gets wrong comes back as an ``is_error`` outcome."""

    kind: str

    async def run(self, arguments: dict[str, Any], timeout_s: float) -> Outcome: ...


def definition_hash(description: str, parameters: dict[str, Any]) -> str:
    """The rug-pull hash: covers what the model reads (description and schema)."""
    canonical = orjson.dumps(
        {"description": description, "parameters": parameters}, option=orjson.OPT_SORT_KEYS
    )
    return "sha256:" + hashlib.sha256(canonical).hexdigest()


@dataclass(frozen=True)
class ToolDefinition:
    name: str
    description: str
    parameters: dict[str, Any]
    source: str  # builtin:<module> | python:<file> | yaml:<file> | entrypoint:<name>
    version: str
    runner: Runner = field(repr=False, compare=False)
    timeout_s: float | None = None  # its own limit; None = TOOLS_DEFAULT_TIMEOUT_S
    file: str | None = None  # the plugin file, for error reports
    # Unit-aware parameters → quantity kind, for callers that fill arguments from text.
    quantities: dict[str, str] = field(default_factory=dict, compare=False)

    @cached_property
    def hash(self) -> str:
        return definition_hash(self.description, self.parameters)
