"""The registry's current table of tools: one source for ``GET /tools`` and for MCP.

Rebuilt whole on every reload and swapped in one assignment, so a request always sees one
consistent table. The list response is serialised once per rebuild, not once per request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from services.kit.logging import get_logger
from services.tool_registry.definition import ToolDefinition
from services.tool_registry.errors import UnknownToolError
from services.tool_registry.ledger import HashLedger

log = get_logger(__name__)


@dataclass(frozen=True)
class Problem:
    """A plugin file (or entry point) that gave no tool, or not all of them, and why."""

    file: str
    error: str
    at: str

    def as_dict(self) -> dict[str, str]:
        return {"file": self.file, "error": self.error, "at": self.at}


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class _Table:
    tools: dict[str, ToolDefinition]
    entries: dict[str, dict[str, Any]]
    problems: tuple[Problem, ...]
    listing: bytes


def entry(tool: ToolDefinition, ledger: HashLedger) -> dict[str, Any]:
    """A tool as ``GET /tools`` shows it (OpenAI's tool shape plus where it comes from)."""
    seen = ledger.get(tool.name)
    return {
        "type": "function",
        "function": {
            "name": tool.name,
            "description": tool.description,
            "parameters": tool.parameters,
        },
        "source": tool.source,
        "version": tool.version,
        "quantities": tool.quantities,
        "hash": tool.hash,
        "changed_at": seen.changed_at if seen else None,
        "previous_hash": seen.previous_hash if seen else None,
    }


class Catalog:
    def __init__(self, ledger: HashLedger) -> None:
        self.ledger = ledger
        self._table = _Table({}, {}, (), orjson.dumps({"tools": []}))
        self.generation = 0

    def replace(self, candidates: list[ToolDefinition], problems: list[Problem]) -> None:
        """Install a new table. ``candidates`` come in priority order: the first tool of a name
        wins and each later one is reported as a duplicate against its file."""
        tools: dict[str, ToolDefinition] = {}
        problems = list(problems)
        for tool in candidates:
            if tool.name in tools:
                problem = Problem(
                    tool.file or tool.source,
                    f"duplicate tool name '{tool.name}': already defined by "
                    f"{tools[tool.name].source}",
                    now(),
                )
                log.warning("plugin tool not loaded", file=problem.file, error=problem.error)
                problems.append(problem)
                continue
            tools[tool.name] = tool
        changed = False
        for tool in tools.values():
            before = self.ledger.get(tool.name)
            seen = self.ledger.observe(tool.name, tool.hash, tool.source)
            changed |= before is None or before.changed_at != seen.changed_at
        if changed:
            self.ledger.save()
        ordered = dict(sorted(tools.items()))
        entries = {name: entry(tool, self.ledger) for name, tool in ordered.items()}
        listing = orjson.dumps({"tools": list(entries.values())})
        problems.sort(key=lambda p: (p.file, p.error))
        self._table = _Table(ordered, entries, tuple(problems), listing)
        self.generation += 1

    def get(self, name: str) -> ToolDefinition:
        """Raises UnknownToolError (404) naming the tool."""
        tool = self._table.tools.get(name)
        if tool is None:
            raise UnknownToolError(f"no tool named '{name}' (GET /tools lists them)", param="name")
        return tool

    def entry(self, name: str) -> dict[str, Any]:
        self.get(name)
        return self._table.entries[name]

    def tools(self) -> list[ToolDefinition]:
        return list(self._table.tools.values())

    def listing(self) -> bytes:
        return self._table.listing

    def problems(self) -> list[dict[str, str]]:
        return [p.as_dict() for p in self._table.problems]

    def __len__(self) -> int:
        return len(self._table.tools)
