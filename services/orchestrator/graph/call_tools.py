"""The call_tools node: run the server tools the model called (registry or MCP) and append
each result as a ``tool`` message, so the model's next round reads them.

Every call answers with a ``tool`` message carrying its ``tool_call_id``, even one that failed,
timed out or was not run because the budget ran out: backends refuse a conversation where an
assistant's call has no answer. Failures are text the model reads, never a 500.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson

from services.orchestrator.graph.planner import budget_left
from services.orchestrator.graph.state import ChatState, Step, ToolCall
from services.orchestrator.graph.steps import run_step, step_timeout
from services.orchestrator.tools.catalog import ToolCatalog
from services.orchestrator.tools.model import ServerTool


def _who(tool: ServerTool) -> str:
    return "the tool registry" if tool.origin == "tools" else f"the {tool.origin} MCP server"


class CallToolsNode:
    def __init__(self, catalog: ToolCatalog, step_timeout_s: float, max_steps: int) -> None:
        self.catalog = catalog
        self.step_timeout_s = step_timeout_s
        self.max_steps = max_steps

    async def _one(
        self, state: ChatState, call: ToolCall, tool: ServerTool | None
    ) -> tuple[str, Step]:
        if tool is None:
            text = f"error: there is no tool named {call['name']!r}"
            return text, {"node": "call_tools", "tool": call["name"], "outcome": "error",
                          "duration_ms": 0.0, "detail": text}  # fmt: skip
        try:
            arguments = orjson.loads(call["arguments"] or "{}")
            if not isinstance(arguments, dict):
                raise ValueError("not an object")
        except ValueError:
            text = f"error: the arguments of {call['name']} are not a JSON object"
            return text, {"node": "call_tools", "tool": call["name"], "outcome": "error",
                          "duration_ms": 0.0, "detail": text}  # fmt: skip
        timeout = step_timeout(state, self.step_timeout_s)
        source = self.catalog.source(tool.origin)
        outcome, step, note = await run_step(
            "call_tools",
            call["name"],
            arguments,
            source.invoke(tool.target, arguments, timeout),
            timeout,
            _who(tool),
        )
        if outcome is None:
            return f"error: {note}", step
        if outcome.is_error:
            step["outcome"] = "error"
            step["detail"] = outcome.text[:500]
            return f"error: {outcome.text}", step
        return outcome.text, step

    async def __call__(self, state: ChatState) -> dict[str, Any]:
        server: dict[str, ServerTool] = state.get("server_tools", {})  # type: ignore[assignment]
        taken = state.get("steps_taken", 0)
        run: list[ToolCall] = []
        skipped: list[ToolCall] = []
        for call in state.get("pending", []):
            probe: ChatState = {**state, "steps_taken": taken + len(run)}  # type: ignore[typeddict-item]
            (run if budget_left(probe, self.max_steps) else skipped).append(call)
        answers = await asyncio.gather(*(self._one(state, c, server.get(c["name"])) for c in run))
        turns = list(state.get("turns", []))
        steps = list(state.get("steps", []))
        for call, (text, step) in zip(run, answers, strict=True):
            turns.append({"role": "tool", "tool_call_id": call["id"], "content": text})
            steps.append(step)
        update: dict[str, Any] = {"pending": [], "steps_taken": taken + len(run)}
        if skipped:
            reason = (
                f"stopped after {self.max_steps} steps (ORCH_MAX_STEPS)"
                if taken + len(run) >= self.max_steps
                else "stopped at the run's deadline (ORCH_DEADLINE_S)"
            )
            for call in skipped:
                turns.append(
                    {"role": "tool", "tool_call_id": call["id"], "content": f"not run: {reason}"}
                )
                steps.append({"node": "call_tools", "tool": call["name"], "outcome": "limit",
                              "duration_ms": 0.0, "detail": reason})  # fmt: skip
            update["stop"] = reason
        update["turns"] = turns
        update["steps"] = steps
        return update
