"""Send a transcript's segments to rag-api as citable passages (source + [start, end])."""

from __future__ import annotations

from typing import Any

from services.asr.passages import segments_to_passages
from services.kit.peer import PeerClient

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

    def __init__(self, client: PeerClient) -> None:
        self.client = client

    async def ingest(self, document: dict[str, Any]) -> dict[str, Any]:
        """rag-api's ingest result.

        Raises (the kit's peer layer): UpstreamUnavailableError when rag-api cannot be
        reached, PeerRejectedError (its 4xx) when it refuses the document, UpstreamError for
        any other failure.
        """
        response = await self.client.post("/ingest", json={"documents": [document]})
        return dict(response.raise_for_status().json())
