"""What flows through the graph.

The user's messages are carried untouched; nodes that gather evidence (retrieval, tools,
transcripts: later issues) add ``context`` entries, and the generate node frames them before
the conversation. ``completion`` holds the non-streamed answer.
"""

from __future__ import annotations

from typing import Any, TypedDict


class ContextBlock(TypedDict):
    """One piece of evidence for the frame: a heading and its text, in the order to show."""

    title: str
    text: str


class ChatState(TypedDict, total=False):
    completion_id: str
    created: int
    public_model: str
    messages: list[dict[str, Any]]
    params: dict[str, Any]
    stream: bool
    include_usage: bool
    context: list[ContextBlock]
    conditioning: dict[str, Any] | None
    # Sources of the evidence in the frame, in [n] order; returned with the answer.
    citations: list[dict[str, Any]]
    completion: dict[str, Any]
