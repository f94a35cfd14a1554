"""The generate node: ask the LLM runner, with the frame first and the tools it may call.

The model sees the conditioning (constraints and SI units first), the rule-chosen tools'
results, the evidence and any notes, then the conversation and the loop's own turns. When the
backend can call tools (LLM_TOOL_CALLING) it is offered the client's tools and the server's
(registry and MCP, namespaced; a name clash goes to the client). Its answer is then one of:

- text: the answer, streamed out as it comes;
- calls of server tools: nothing reaches the client; the calls go to ``call_tools`` and the
  model is asked again with their results;
- calls of client tools (Cursor's own): the turn ends with exactly those calls, for the client
  to run; its next request carries the results.

The finishing chunk (or the response body) carries ``citations`` and ``steps``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from langgraph.config import get_stream_writer

from services.kit.llm import LLMClient
from services.orchestrator.graph.conditioning import conditioning_blocks
from services.orchestrator.graph.frame import frame_messages
from services.orchestrator.graph.planner import budget_left
from services.orchestrator.graph.state import ChatState, ContextBlock, Step, ToolCall
from services.orchestrator.graph.steps import node_span
from services.orchestrator.runners import Runners, SingleRunner
from services.orchestrator.tools.catalog import ToolCatalog
from services.orchestrator.tools.model import ServerTool

NOTES_TITLE = "Notes on how this answer was prepared (say what could not be used)"
_TOOL_PARAMS = ("tools", "tool_choice", "parallel_tool_calls")


def _restamp(payload: dict[str, Any], state: ChatState) -> dict[str, Any]:
    """Give the runner's answer our id, timestamp and public model name (llama.cpp's model id
    is a file path; clients should only ever see the name they asked for)."""
    payload["id"] = state["completion_id"]
    payload["created"] = state["created"]
    payload["model"] = state["public_model"]
    return payload


def _add_usage(total: dict[str, int], usage: dict[str, Any] | None) -> dict[str, int]:
    if not usage:
        return total
    keys = ("prompt_tokens", "completion_tokens", "total_tokens")
    return {k: int(total.get(k, 0)) + int(usage.get(k) or 0) for k in keys}


def _limit(state: ChatState, max_steps: int) -> str | None:
    if state.get("stop"):
        return state["stop"]
    if budget_left(state, max_steps):
        return None
    if state.get("steps_taken", 0) >= max_steps:
        return f"stopped after {max_steps} steps (ORCH_MAX_STEPS)"
    return "stopped at the run's deadline (ORCH_DEADLINE_S)"


def frame_for(state: ChatState, notes: list[str]) -> list[dict[str, Any]]:
    """What the model is given: conditioning first, then the gathered context and the notes,
    then the conversation with the loop's own turns."""
    context: list[ContextBlock] = [
        *conditioning_blocks(state.get("conditioning")),
        *state.get("context", []),
    ]
    if notes:
        context.append({"title": NOTES_TITLE, "text": "\n".join(f"- {n}" for n in notes)})
    return frame_messages([*state["messages"], *state.get("turns", [])], context)


def _function_name(call: dict[str, Any]) -> str:
    return str((call.get("function") or {}).get("name") or "")


@dataclass(frozen=True)
class _Turn:
    """One model round: what it was offered and what the run had gathered by then."""

    state: ChatState
    server: dict[str, ServerTool]
    stop: str | None
    notes: list[str]
    started: float


class GenerateNode:
    """Args:
    llm: the runners (services/orchestrator/runners.py), or one client for every model.
    catalog: the server tools (None: none are offered).
    max_steps: ORCH_MAX_STEPS, to say which limit stopped the loop.
    """

    def __init__(
        self,
        llm: Runners | LLMClient | Any,
        catalog: ToolCatalog | None = None,
        *,
        max_steps: int = 8,
    ) -> None:
        self.runners: Runners = llm if hasattr(llm, "client_for") else SingleRunner(llm)
        self.catalog = catalog
        self.max_steps = max_steps

    async def _tools(
        self, state: ChatState, params: dict[str, Any], stop: str | None
    ) -> tuple[dict[str, ServerTool], list[str]]:
        """Set the tools the model is offered in ``params``; return the server ones by their
        public name and notes for sources that did not answer."""
        if not self.runners.tool_capable(state["public_model"]):
            for key in _TOOL_PARAMS:  # a model that cannot call tools must not be sent them
                params.pop(key, None)
            return {}, []
        client = list(params.get("tools") or [])
        taken = {_function_name(t) for t in client}
        server: dict[str, ServerTool] = {}
        notes: list[str] = []
        if self.catalog is not None and stop is None:
            tools, notes = await self.catalog.tools()
            server = {t.public: t for t in tools if t.public not in taken}
        offered = client + [t.openai() for t in server.values()]
        if offered:
            params["tools"] = offered
        return server, notes

    async def __call__(self, state: ChatState) -> dict[str, Any]:
        started = time.perf_counter()
        stop = _limit(state, self.max_steps)
        params = dict(state["params"])
        server, source_notes = await self._tools(state, params, stop)
        notes = [*state.get("notes", []), *source_notes]
        skipped = state.get("plan") or []
        if stop and skipped:
            notes.append(f"{len(skipped)} planned step(s) not run: {stop}")
        elif stop:
            notes.append(stop)
        messages = frame_for(state, notes)
        turn = _Turn(state, server, stop, notes, started)
        with node_span("generate", tools=len(params.get("tools") or [])):
            if state.get("stream"):
                return await self._stream(turn, messages, params)
            return await self._complete(turn, messages, params)

    def _step(self, started: float, outcome: str, detail: str) -> Step:
        return {
            "node": "generate",
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            "outcome": outcome,
            "detail": detail,
        }

    def _split(
        self, calls: list[dict[str, Any]], server: dict[str, ServerTool], client: set[str]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """(client calls, server calls). Ours are the server tools we offered (a name the
        client also offered is the client's); when the client offered tools, any other call
        goes back to it too (we cannot run it); otherwise an unknown name is answered here
        with an error the model reads."""
        theirs = [
            c for c in calls if _function_name(c) in server and _function_name(c) not in client
        ]
        if not client:
            return [], calls
        return [c for c in calls if c not in theirs], theirs

    def _server_round(
        self, turn: _Turn, calls: list[dict[str, Any]], content: str | None, usage: dict[str, int]
    ) -> dict[str, Any]:
        pending: list[ToolCall] = [
            {
                "id": str(c.get("id") or f"call_{i}"),
                "name": _function_name(c),
                "arguments": str((c.get("function") or {}).get("arguments") or "{}"),
            }
            for i, c in enumerate(calls)
        ]
        assistant = {
            "role": "assistant",
            "content": content,
            "tool_calls": [
                {"id": p["id"], "type": "function",
                 "function": {"name": p["name"], "arguments": p["arguments"]}}
                for p in pending
            ],
        }  # fmt: skip
        names = ", ".join(p["name"] for p in pending)
        state = turn.state
        return {
            "pending": pending,
            "server_tools": turn.server,
            "turns": [*state.get("turns", []), assistant],
            "usage": usage,
            "notes": turn.notes,
            "steps": [*state.get("steps", []), self._step(turn.started, "tool_calls", names)],
        }

    def _conclude(
        self, turn: _Turn, calls: list[dict[str, Any]], content: str | None, usage: dict[str, int]
    ) -> tuple[dict[str, Any] | None, list[dict[str, Any]], list[dict[str, Any]], list[Step]]:
        """What the model's answer means: (a server round to run, or None; the client's calls;
        the server calls; the steps with this round). Server calls are run unless the budget
        is spent; then the turn ends and the client reads why."""
        mine, theirs = self._split(calls, turn.server, set(turn.state.get("client_tools", [])))
        if theirs and not mine and turn.stop is None:
            return self._server_round(turn, theirs, content, usage), mine, theirs, []
        outcome = "tool_calls" if mine else "ok"
        step = self._step(turn.started, outcome, turn.stop or "answered")
        return None, mine, theirs, [*turn.state.get("steps", []), step]

    def _extras(self, state: ChatState, steps: list[Step]) -> dict[str, Any]:
        extras: dict[str, Any] = {"steps": steps}
        if state.get("citations"):
            extras["citations"] = state["citations"]
        return extras

    async def _complete(
        self, turn: _Turn, messages: list[dict[str, Any]], params: dict[str, Any]
    ) -> dict[str, Any]:
        state = turn.state
        answer = await self.runners.client_for(state["public_model"]).complete(messages, **params)
        usage = _add_usage(state.get("usage", {}), answer.get("usage"))
        choice = (answer.get("choices") or [{}])[0]
        message = choice.get("message") or {}
        calls = list(message.get("tool_calls") or [])
        server_round, mine, theirs, steps = self._conclude(
            turn, calls, message.get("content"), usage
        )
        if server_round is not None:
            return server_round
        if mine:
            message["tool_calls"] = mine
            choice["finish_reason"] = "tool_calls"
        elif theirs:
            # The budget is spent and the model still asks for tools: the turn ends here.
            message.pop("tool_calls", None)
            message["content"] = message.get("content") or f"({turn.stop})"
            choice["finish_reason"] = "stop"
        completion = _restamp(answer, state)
        if usage:
            completion["usage"] = usage
        completion.update(self._extras(state, steps))
        return {"completion": completion, "steps": steps, "notes": turn.notes}

    async def _stream(
        self, turn: _Turn, messages: list[dict[str, Any]], params: dict[str, Any]
    ) -> dict[str, Any]:
        state = turn.state
        relay = _Relay(state, get_stream_writer())
        llm = self.runners.client_for(state["public_model"])
        async for chunk in llm.stream(messages, include_usage=True, **params):
            relay.take(chunk)
        usage = _add_usage(state.get("usage", {}), relay.usage)
        server_round, mine, theirs, steps = self._conclude(
            turn, relay.calls(), relay.text or None, usage
        )
        if server_round is not None:
            return server_round
        stopped = turn.stop if theirs and not mine else None
        relay.finish(mine, self._extras(state, steps), usage, stopped)
        return {"steps": steps, "notes": turn.notes, "usage": usage}


class _Relay:
    """Pass the runner's chunks to the client as they come, except tool calls: those are held
    until the answer is complete, because server tool calls must never reach the client."""

    def __init__(self, state: ChatState, write: Any) -> None:
        self.state = state
        self.write = write
        self.held: list[dict[str, Any]] = []  # the role chunk, until we know what follows
        self.final: dict[str, Any] | None = None
        self.usage: dict[str, Any] | None = None
        self.text = ""
        self._calls: dict[int, dict[str, Any]] = {}

    def _emit(self, chunk: dict[str, Any]) -> None:
        payload = _restamp(chunk, self.state)
        payload["object"] = "chat.completion.chunk"
        if self.state.get("include_usage"):
            # The contract: usage is null on every chunk but the final usage-only one.
            payload["usage"] = None
        else:
            payload.pop("usage", None)
        self.write(payload)

    def take(self, chunk: dict[str, Any]) -> None:
        choices = chunk.get("choices") or []
        if not choices:
            self.usage = chunk.get("usage") or self.usage
            return
        choice = choices[0]
        delta = choice.get("delta") or {}
        for call in delta.get("tool_calls") or []:
            entry = self._calls.setdefault(
                int(call.get("index", 0)), {"id": None, "name": "", "arguments": ""}
            )
            entry["id"] = call.get("id") or entry["id"]
            function = call.get("function") or {}
            entry["name"] += function.get("name") or ""
            entry["arguments"] += function.get("arguments") or ""
        if choice.get("finish_reason"):
            self.final = chunk
            if delta.get("content"):
                self.text += delta["content"]
            return
        if delta.get("content"):
            self.text += delta["content"]
            for held in self.held:
                self._emit(held)
            self.held = []
            self._emit(chunk)
        elif not delta.get("tool_calls"):
            self.held.append(chunk)

    def calls(self) -> list[dict[str, Any]]:
        return [
            {"id": c["id"], "type": "function",
             "function": {"name": c["name"], "arguments": c["arguments"]}}
            for _, c in sorted(self._calls.items())
        ]  # fmt: skip

    def finish(
        self,
        client_calls: list[dict[str, Any]],
        extras: dict[str, Any],
        usage: dict[str, int],
        stopped: str | None = None,
    ) -> None:
        """Send what is held, the client's tool calls per the delta rules, the finishing chunk
        with ``extras``, and the usage chunk when asked for. ``stopped``: the budget ended the
        turn while the model still asked for tools; the client reads why instead."""
        for held in self.held:
            self._emit(held)
        if stopped and not self.text:
            self._emit({"choices": [{"index": 0, "delta": {"content": f"({stopped})"},
                                     "finish_reason": None}]})  # fmt: skip
        base = self.final or {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        for index, call in enumerate(client_calls):
            # First delta per call: index, id, type, name, empty arguments; then the arguments.
            opening = {"index": index, "id": call["id"], "type": "function",
                       "function": {"name": call["function"]["name"], "arguments": ""}}  # fmt: skip
            self._emit({"choices": [{"index": 0, "delta": {"tool_calls": [opening]},
                                     "finish_reason": None}]})  # fmt: skip
            arguments = {"index": index, "function": {"arguments": call["function"]["arguments"]}}
            self._emit({"choices": [{"index": 0, "delta": {"tool_calls": [arguments]},
                                     "finish_reason": None}]})  # fmt: skip
        final = dict(base)
        choice = dict((final.get("choices") or [{}])[0])
        delta = {k: v for k, v in (choice.get("delta") or {}).items() if k != "tool_calls"}
        choice["delta"] = delta
        choice["finish_reason"] = (
            "tool_calls"
            if client_calls
            else (
                "stop"
                if choice.get("finish_reason") == "tool_calls"
                else choice.get("finish_reason")
            )
        )
        final["choices"] = [choice]
        final.pop("usage", None)
        self._emit({**final, **extras})
        if self.state.get("include_usage"):
            self.write(
                _restamp(
                    {"object": "chat.completion.chunk", "choices": [], "usage": usage}, self.state
                )
            )
