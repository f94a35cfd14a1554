"""Validation of answers on their way back, streamed or not, without recalling sent text.

Streaming: every event is passed on as it arrives except the one that carries
``finish_reason``; before it goes a chunk with the validation note, and it gains a
``validation`` field. Nothing is buffered but that last event.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import orjson

from services.gateway.validation.validator import Validator
from services.kit.sse import sse_event


def _chunk_like(
    payload: dict[str, Any], delta: dict[str, Any], finish: str | None
) -> dict[str, Any]:
    out = {k: payload[k] for k in ("id", "object", "created", "model") if k in payload}
    out["choices"] = [{"index": 0, "delta": delta, "finish_reason": finish}]
    if "usage" in payload:
        out["usage"] = None
    return out


class StreamValidation:
    def __init__(self, validator: Validator, with_note: bool) -> None:
        self.validator = validator
        self.with_note = with_note
        self.parts: list[str] = []

    def on_event(self, event: bytes) -> Iterator[bytes]:
        if not event.startswith(b"data: {"):
            yield event  # keep-alive comments, [DONE]
            return
        payload = orjson.loads(event[6:])
        choices = payload.get("choices") or []
        if not choices:
            yield event  # the usage chunk, an in-band error
            return
        delta = choices[0].get("delta") or {}
        if delta.get("content"):
            self.parts.append(delta["content"])
        finish = choices[0].get("finish_reason")
        if finish is None:
            yield event
            return
        if delta.get("content") or delta.get("tool_calls"):
            # Its own text goes first, so that the note really comes at the end.
            yield sse_event(_chunk_like(payload, delta, None))
        validation = self.validator.run("".join(self.parts))
        note = validation.note() if self.with_note else ""
        if note:
            yield sse_event(_chunk_like(payload, {"content": note}, None))
        final = _chunk_like(payload, {}, finish)
        final.update({k: v for k, v in payload.items() if k not in final and k != "choices"})
        final["validation"] = validation.model_dump()
        yield sse_event(final)


async def validate_stream(
    stream: AsyncIterator[bytes], validator: Validator, with_note: bool
) -> AsyncIterator[bytes]:
    state = StreamValidation(validator, with_note)
    buffer = b""
    async for piece in stream:
        buffer += piece
        while b"\n\n" in buffer:
            event, buffer = buffer.split(b"\n\n", 1)
            for out in state.on_event(event + b"\n\n"):
                yield out
    if buffer:
        yield buffer


def validate_body(body: bytes, validator: Validator, with_note: bool) -> bytes:
    """A non-streamed completion with ``validation`` added (and the note appended)."""
    payload = orjson.loads(body)
    choices = payload.get("choices") or []
    message = choices[0].get("message") if choices else None
    if not isinstance(message, dict):
        return body
    content = message.get("content")
    validation = validator.run(content if isinstance(content, str) else "")
    note = validation.note() if with_note else ""
    if note and isinstance(content, str):
        message["content"] = content + note
    payload["validation"] = validation.model_dump()
    return orjson.dumps(payload)
