"""The generate node: ask the LLM runner, streaming chunks out through LangGraph's writer."""

from __future__ import annotations

from typing import Any

from langgraph.config import get_stream_writer

from services.kit.llm import LLMClient
from services.orchestrator.graph.conditioning import conditioning_blocks
from services.orchestrator.graph.frame import frame_messages
from services.orchestrator.graph.state import ChatState


def _restamp(payload: dict[str, Any], state: ChatState) -> dict[str, Any]:
    """Give the runner's answer our id, timestamp and public model name (llama.cpp's model id
    is a file path; clients should only ever see the name they asked for)."""
    payload["id"] = state["completion_id"]
    payload["created"] = state["created"]
    payload["model"] = state["public_model"]
    return payload


class GenerateNode:
    """Callable node; the LLM client is injected so tests and backends swap freely."""

    def __init__(self, llm: LLMClient) -> None:
        self.llm = llm

    async def __call__(self, state: ChatState) -> dict[str, Any]:
        # Constraints and SI units first, then the evidence that earlier nodes gathered.
        context = [*conditioning_blocks(state.get("conditioning")), *state.get("context", [])]
        messages = frame_messages(state["messages"], context)
        if not state.get("stream"):
            answer = await self.llm.complete(messages, **state["params"])
            completion = _restamp(answer, state)
            if state.get("citations"):
                completion["citations"] = state["citations"]
            return {"completion": completion}
        write = get_stream_writer()
        include_usage = state.get("include_usage", False)
        async for chunk in self.llm.stream(
            messages, include_usage=include_usage, **state["params"]
        ):
            payload = _restamp(chunk, state)
            payload["object"] = "chat.completion.chunk"
            if include_usage:
                # The contract: usage is null on every chunk but the final usage-only one.
                payload.setdefault("usage", None)
            if payload.get("choices") is None:
                payload["choices"] = []
            elif state.get("citations") and any(c.get("finish_reason") for c in payload["choices"]):
                # The sources ride on the last content chunk (clients ignore unknown fields).
                payload["citations"] = state["citations"]
            write(payload)
        return {}
