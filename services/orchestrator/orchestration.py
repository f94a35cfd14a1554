"""What a chat run needs, built once in the lifespan: the graph, the planner, the tools, and
the last run per key for ``GET /debug/last``."""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from services.kit.models import ModelTable
from services.kit.schemas import ChatCompletionRequest, last_user_text
from services.orchestrator.graph.planner import Planner
from services.orchestrator.graph.state import ChatState
from services.orchestrator.settings import Settings
from services.orchestrator.tools.catalog import ToolCatalog

# What /debug/last shows of a run (not the tool objects or the raw params).
DEBUG_FIELDS = (
    "messages", "conditioning", "plan", "context", "notes", "citations", "turns", "steps",
    "steps_taken", "stop", "usage", "client_tools",
)  # fmt: skip


@dataclass
class RunLog:
    """The last run's state per key name, for debugging (bounded)."""

    size: int = 64
    runs: OrderedDict[str, dict[str, Any]] = field(default_factory=OrderedDict)

    def remember(self, key: str, state: dict[str, Any]) -> None:
        self.runs[key] = {k: state[k] for k in DEBUG_FIELDS if k in state}
        self.runs.move_to_end(key)
        while len(self.runs) > self.size:
            self.runs.popitem(last=False)

    def last(self, key: str) -> dict[str, Any] | None:
        return self.runs.get(key)


@dataclass
class Orchestration:
    settings: Settings
    graph: Any
    planner: Planner
    catalog: ToolCatalog | None
    runs: RunLog | None
    models: ModelTable

    async def initial_state(self, body: ChatCompletionRequest) -> ChatState:
        """The state a run starts from, with the planner's rules applied."""
        messages = [m.model_dump(exclude_none=True) for m in body.messages]
        plan: list[Any] = []
        # A turn that answers the client's own tool calls continues the conversation: the
        # rules already ran for its question.
        if messages and messages[-1].get("role") == "user":
            registry = []
            if self.planner.tools and self.catalog is not None:
                registry, _ = await self.catalog.tools(origins=("tools",))
            plan = self.planner.plan(last_user_text(messages), body.conditioning, registry)
        client_tools = [
            str((t.get("function") or {}).get("name") or t.get("name") or "")
            for t in body.tools or []
        ]
        return {
            "completion_id": f"chatcmpl-{uuid.uuid4().hex}",
            "created": int(time.time()),
            "public_model": body.model,
            "messages": messages,
            "params": body.sampling_params(),
            "stream": body.stream,
            "include_usage": body.include_usage,
            "context": [],
            "conditioning": body.conditioning,
            "client_tools": [n for n in client_tools if n],
            "plan": plan,
            "steps": [],
            "steps_taken": 0,
            "deadline": time.monotonic() + self.settings.orch_deadline_s,
            "stop": None,
        }
