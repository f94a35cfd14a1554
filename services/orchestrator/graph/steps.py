"""Recording steps: each node's work runs in a span, under the budget's time limit, and leaves
one entry in ``steps`` (node, tool, arguments, duration, outcome) that the answer carries."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from contextlib import contextmanager
from typing import Any, TypeVar

from opentelemetry import trace

from services.kit.errors import ServiceError
from services.orchestrator.graph.state import ChatState, Step

T = TypeVar("T")
_tracer = trace.get_tracer(__name__)


def step_timeout(state: ChatState, step_timeout_s: float) -> float:
    """This step's time: the per-step limit, or what is left of the deadline if less."""
    return max(0.05, min(step_timeout_s, state["deadline"] - time.monotonic()))


@contextmanager
def node_span(name: str, **attributes: Any) -> Any:
    with _tracer.start_as_current_span(f"graph.{name}") as span:
        if span.is_recording():
            for key, value in attributes.items():
                span.set_attribute(f"aistack.{key}", str(value))
        yield span


async def run_step(
    node: str, tool: str, arguments: Any, work: Awaitable[T], timeout_s: float, who: str
) -> tuple[T | None, Step, str | None]:
    """Await ``work`` within ``timeout_s``; return its result (None on failure), its step,
    and, on failure, what went wrong in words ("the tool registry did not answer within 5 s",
    "rag-api at … is unreachable"), for the node to frame.
    """
    started = time.perf_counter()
    result: T | None = None
    note = None
    with node_span(node, tool=tool):
        try:
            async with asyncio.timeout(timeout_s):  # no task of its own, unlike wait_for
                result = await work
            outcome = "ok"
        except TimeoutError:
            outcome = "timeout"
            note = f"{who} did not answer within {timeout_s:.3g} s"
        except ServiceError as exc:
            outcome = "error"
            note = exc.message
    step: Step = {
        "node": node,
        "tool": tool,
        "arguments": arguments,
        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
        "outcome": outcome,
    }
    if note:
        step["detail"] = note
    return result, step, note
