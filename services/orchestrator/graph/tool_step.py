"""The tool node: run the next tool the planner's rules chose (a unit conversion, a
calculator) through the tool registry, and frame its result for the model."""

from __future__ import annotations

from typing import Any

import orjson

from services.orchestrator.graph.state import ChatState, ContextBlock
from services.orchestrator.graph.steps import run_step, step_timeout
from services.orchestrator.tools.registry import ToolRegistry

TITLE = "Results of the tools run for this question (computed, in SI unless stated)"


def _line(tool: str, arguments: dict[str, Any], text: str, why: str) -> str:
    args = ", ".join(f"{k}={v}" for k, v in arguments.items())
    return f"- {tool}({args}) -> {text}  [{why}]"


def _merged(context: list[ContextBlock], line: str) -> list[ContextBlock]:
    """Every tool result in one block, in the order run."""
    for i, block in enumerate(context):
        if block["title"] == TITLE:
            return [
                *context[:i],
                {"title": TITLE, "text": f"{block['text']}\n{line}"},
                *context[i + 1 :],
            ]
    return [*context, {"title": TITLE, "text": line}]


class ToolNode:
    def __init__(self, registry: ToolRegistry, step_timeout_s: float) -> None:
        self.registry = registry
        self.step_timeout_s = step_timeout_s

    async def __call__(self, state: ChatState) -> dict[str, Any]:
        action, *rest = state["plan"]
        timeout = step_timeout(state, self.step_timeout_s)
        outcome, step, note = await run_step(
            "tool",
            action["tool"],
            action["arguments"],
            self.registry.invoke(action["tool"], action["arguments"], timeout),
            timeout,
            "the tool registry",
        )
        update: dict[str, Any] = {
            "plan": rest,
            "steps": [*state.get("steps", []), step],
            "steps_taken": state.get("steps_taken", 0) + 1,
        }
        if outcome is None:
            update["notes"] = [*state.get("notes", []), f"{action['tool']} failed: {note}"]
            return update
        if outcome.is_error:
            step["outcome"] = "error"
            step["detail"] = outcome.text[:500]
            text = f"error: {outcome.text}"
        else:
            step["result"] = outcome.value
            text = (
                outcome.text
                if isinstance(outcome.value, str)
                else orjson.dumps(outcome.value).decode()
            )
        line = _line(action["tool"], action["arguments"], text, action["why"])
        update["context"] = _merged(state.get("context", []), line)
        return update
