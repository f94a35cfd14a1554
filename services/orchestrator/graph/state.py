"""What flows through the graph.

The user's messages are carried untouched. Evidence steps (rule-chosen tools, retrieval,
transcripts) add ``context`` blocks; the model's own tool rounds add ``turns`` (its assistant
message with the calls, then one ``tool`` message per call) that follow the conversation; every
step is recorded in ``steps``. The generate node frames conditioning, evidence and notes before
the conversation. ``completion`` holds the non-streamed answer.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict


class ContextBlock(TypedDict):
    """One piece of evidence for the frame: a heading and its text, in the order to show."""

    title: str
    text: str


class Action(TypedDict):
    """A step the planner's rules chose before the model speaks."""

    kind: Literal["tool", "retrieve"]
    # tool: the registry tool and its arguments; retrieve: rag-api's request.
    tool: str
    arguments: dict[str, Any]
    # Why the rule chose it, shown in the frame and in ``steps``.
    why: str


class ToolCall(TypedDict):
    """A server tool the model asked for (OpenAI ``tool_calls`` entry, flattened)."""

    id: str
    name: str
    arguments: str


class Step(TypedDict, total=False):
    node: str
    tool: str
    arguments: Any
    duration_ms: float
    outcome: str  # ok | error | timeout | skipped | limit
    detail: str
    # A rule-chosen tool's value (e.g. convert_units' {"value": 422.04, "unit": "K"}).
    result: Any


class ChatState(TypedDict, total=False):
    completion_id: str
    created: int
    public_model: str
    messages: list[dict[str, Any]]
    params: dict[str, Any]
    stream: bool
    include_usage: bool
    conditioning: dict[str, Any] | None
    # Names of the tools the client offered (Cursor's own): never executed here.
    client_tools: list[str]

    plan: list[Action]
    context: list[ContextBlock]
    # Failures and limits, framed for the model so the answer can say what is missing.
    notes: list[str]
    # Sources of the evidence in the frame, in [n] order; returned with the answer.
    citations: list[dict[str, Any]]
    turns: list[dict[str, Any]]
    pending: list[ToolCall]
    # The server tools offered in the last model round, by their public name.
    server_tools: dict[str, Any]
    steps: list[Step]
    # Budget: steps taken so far, the monotonic deadline, and the limit that stopped the loop.
    steps_taken: int
    deadline: float
    stop: str | None
    # Tokens of earlier model rounds in this run, added to the answer's usage.
    usage: dict[str, int]
    completion: dict[str, Any]
