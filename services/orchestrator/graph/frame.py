"""Build the message list the LLM sees: context first, then the user's own messages verbatim."""

from __future__ import annotations

from typing import Any

from services.orchestrator.graph.state import ContextBlock


def frame_messages(
    messages: list[dict[str, Any]], context: list[ContextBlock]
) -> list[dict[str, Any]]:
    """Prepend one system message holding the context blocks, in order; the conversation
    itself is passed on unchanged (non-generative conditioning never rewrites user text)."""
    if not context:
        return messages
    body = "\n\n".join(f"## {block['title']}\n{block['text']}" for block in context)
    return [{"role": "system", "content": body}, *messages]
