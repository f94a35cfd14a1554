"""Build the message list the LLM sees: the frame first, then the user's own messages verbatim.

The frame (constraints and SI units, then tool results, evidence and notes) goes into the
conversation's system message: *before* the client's own system text when the client sent one
(Cursor does), as a new first message otherwise. One system message, not two, because strict
chat templates (Mistral's among them) accept at most one, and only first.
"""

from __future__ import annotations

from typing import Any

from services.orchestrator.graph.state import ContextBlock

CLIENT_HEADING = "## Instructions from the client"


def frame_text(context: list[ContextBlock]) -> str:
    return "\n\n".join(f"## {block['title']}\n{block['text']}" for block in context)


def frame_messages(
    messages: list[dict[str, Any]], context: list[ContextBlock]
) -> list[dict[str, Any]]:
    """``messages`` with the context framed first; the conversation itself is unchanged
    (non-generative conditioning never rewrites user text)."""
    if not context:
        return messages
    body = frame_text(context)
    first = messages[0] if messages else None
    if first is None or first.get("role") not in ("system", "developer"):
        return [{"role": "system", "content": body}, *messages]
    content = first.get("content")
    if isinstance(content, list):
        merged: Any = [{"type": "text", "text": f"{body}\n\n{CLIENT_HEADING}\n"}, *content]
    else:
        merged = f"{body}\n\n{CLIENT_HEADING}\n{content or ''}"
    return [{**first, "role": "system", "content": merged}, *messages[1:]]
