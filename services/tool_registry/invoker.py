"""Invoking a tool by name: one path for the REST face and the MCP face.

Looks the tool up in the current catalog, runs it under its timeout (its own, capped at
TOOLS_MAX_TIMEOUT_S, or TOOLS_DEFAULT_TIMEOUT_S), times it, counts it and logs one line.
"""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram

from services.kit.logging import get_logger
from services.tool_registry.catalog import Catalog
from services.tool_registry.errors import ArgumentsError, ToolTimeoutError
from services.tool_registry.settings import Settings

log = get_logger(__name__)


class Invoker:
    def __init__(self, catalog: Catalog, settings: Settings, registry: CollectorRegistry) -> None:
        self.catalog = catalog
        self.settings = settings
        self.calls = Counter(
            "tool_invocations_total",
            "Tool invocations by outcome",
            ["tool", "outcome"],
            registry=registry,
        )
        self.latency = Histogram(
            "tool_invocation_duration_seconds",
            "Time a tool took, validation included",
            ["kind"],
            registry=registry,
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5, 30),
        )

    async def invoke(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """Run tool ``name``.

        Returns:
            ``{"name", "content", "is_error", "duration_ms"}``.

        Raises:
            UnknownToolError: 404. ArgumentsError: 422. ToolTimeoutError: 504.
        """
        tool = self.catalog.get(name)
        timeout_s = self.settings.timeout_for(tool.timeout_s)
        started = time.perf_counter()
        outcome = "error"
        try:
            result = await tool.runner.run(arguments, timeout_s)
            outcome = "tool_error" if result.is_error else "ok"
        except ArgumentsError:
            outcome = "invalid_arguments"
            raise
        except ToolTimeoutError:
            outcome = "timeout"
            raise
        finally:
            elapsed = time.perf_counter() - started
            self.calls.labels(name, outcome).inc()
            self.latency.labels(tool.runner.kind).observe(elapsed)
            log.info(
                "tool invoked",
                tool=name,
                source=tool.source,
                outcome=outcome,
                duration_ms=round(elapsed * 1000, 2),
            )
        return {
            "name": name,
            "content": result.content,
            "is_error": result.is_error,
            "duration_ms": round(elapsed * 1000, 3),
        }
