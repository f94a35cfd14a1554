"""Send a transcript's segments to rag-api as citable passages (source + [start, end])."""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from services.asr.passages import segments_to_passages
from services.kit.errors import ServiceError, UpstreamError, UpstreamUnavailableError

# Short ASR segments retrieve poorly alone: merge neighbours with the same tag up to this size.
PASSAGE_CHARS = 600


def rag_document(
    segments: list[dict[str, Any]], source: str, which: str, domain: str | None
) -> dict[str, Any] | None:
    """rag-api's JSON ingest document for the chosen segments (None when none qualify)."""
    chosen = [s for s in segments if which == "all" or s.get("tag") == "technical"]
    passages = segments_to_passages(chosen, source, max_chars=PASSAGE_CHARS)
    if not passages:
        return None
    document: dict[str, Any] = {
        "source": source,
        "segments": [
            {"text": p["text"], "start": p["meta"]["start"], "end": p["meta"]["end"]}
            for p in passages
        ],
        "metadata": {"kind": "transcript", "asr_segments": which},
    }
    if domain:
        document["domain"] = domain
    return document


class KnowledgeBase:
    """rag-api's ingestion, as seen from the asr-api."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def ingest(self, document: dict[str, Any]) -> dict[str, Any]:
        """rag-api's ingest result.

        Raises:
            UpstreamUnavailableError: rag-api cannot be reached.
            ServiceError: rag-api refused the document (its status and message).
        """
        try:
            response = await self.client.post(
                "/ingest",
                content=orjson.dumps({"documents": [document]}),
                headers={"content-type": "application/json"},
            )
        except httpx.HTTPError as exc:
            raise UpstreamUnavailableError(
                f"rag-api at {self.client.base_url} is unreachable ({type(exc).__name__}); "
                "the transcript was not stored"
            ) from None
        body = orjson.loads(response.content) if response.content else {}
        if response.status_code >= 400:
            message = (body.get("error") or {}).get("message", f"HTTP {response.status_code}")
            error = UpstreamError(f"rag-api refused the transcript: {message}")
            if 400 <= response.status_code < 500:
                error = ServiceError(f"rag-api refused the transcript: {message}")
                error.status_code = response.status_code
                error.error_type = "invalid_request_error"
            raise error
        return dict(body)
