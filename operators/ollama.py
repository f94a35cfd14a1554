"""Pulling a model into an Ollama server through its API (``POST /api/pull``, streamed).

Ollama answers a pull with one JSON object per line: ``{"status": "pulling manifest"}``, then
per layer ``{"status": "pulling <digest>", "digest", "total", "completed"}``, then
``{"status": "success"}``; a failure is a line ``{"error": "..."}``. A tag that is already
there is not pulled again (``GET /api/tags`` lists the local models with their digests).

Errors::

    OllamaError              the pull failed for a reason the server states (retry later)
     └── UnknownModelError   the registry has no such model or tag (a bad spec)
    services.kit.errors.ServiceError   the server cannot be reached or answered badly (the
                                       kit's peer errors: retry later)
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson

from services.kit.peer import PeerClient

# Layers of a big model arrive slowly: the pull's stream may stay quiet this long.
PULL_READ_TIMEOUT_S = 600.0


class OllamaError(Exception):
    pass


class UnknownModelError(OllamaError):
    pass


@dataclass
class Progress:
    status: str = ""
    completed: int = 0
    total: int = 0
    digest: str | None = None

    @property
    def percent(self) -> int:
        return int(100 * self.completed / self.total) if self.total else 0

    def as_status(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "completed": self.completed,
            "total": self.total,
            "percent": self.percent,
        }


def same_tag(a: str, b: str) -> bool:
    """Ollama adds ``:latest`` to a bare name."""

    def norm(tag: str) -> str:
        return tag if ":" in tag.rsplit("/", 1)[-1] else f"{tag}:latest"

    return norm(a) == norm(b)


async def local_digest(client: PeerClient, tag: str) -> str | None:
    """The digest of ``tag`` on the server, or None when it has not been pulled."""
    body = (await client.get("/api/tags")).raise_for_status().json()
    for model in body.get("models") or []:
        if same_tag(str(model.get("name") or model.get("model") or ""), tag):
            return str(model.get("digest") or "") or None
    return None


def _is_unknown(message: str) -> bool:
    text = message.lower()
    return "file does not exist" in text or "not found" in text or "manifest unknown" in text


async def pull(
    client: PeerClient,
    tag: str,
    report: Callable[[Progress], Awaitable[None]],
    report_every_s: float = 5.0,
) -> str:
    """Pull ``tag`` (skipped when present) and return its digest; ``report`` gets the progress
    at most every ``report_every_s`` seconds, and once at the end.

    Raises UnknownModelError, OllamaError, or the kit's peer errors.
    """
    digest = await local_digest(client, tag)
    if digest:
        return digest
    progress = Progress(status="starting")
    last = 0.0
    async with await client.open(
        "POST", "/api/pull", json={"model": tag, "stream": True}, read_timeout_s=PULL_READ_TIMEOUT_S
    ) as stream:
        if stream.status == 404:
            raise UnknownModelError(f"pull {tag}: {(await stream.read())[:300].decode()}")
        await stream.raise_for_status()
        async for line in stream.lines():
            if not line.strip():
                continue
            event = orjson.loads(line)
            if "error" in event:
                message = str(event["error"])
                raise (UnknownModelError if _is_unknown(message) else OllamaError)(message)
            progress.status = str(event.get("status") or progress.status)
            if event.get("total"):
                progress.total = int(event["total"])
                progress.completed = int(event.get("completed") or 0)
                progress.digest = event.get("digest") or progress.digest
            if time.monotonic() - last >= report_every_s:
                last = time.monotonic()
                await report(progress)
    if progress.status != "success":
        raise OllamaError(f"pull {tag}: the stream ended at {progress.status!r}, not success")
    progress.completed = progress.total
    await report(progress)
    return await local_digest(client, tag) or progress.digest or ""
