"""Send a transcript's segments to rag-api as citable passages (source + [start, end])."""

from __future__ import annotations

from typing import Any

from services.asr.passages import segments_to_passages
from services.kit.peer import PeerClient
from services.kit.vocabulary import TECHNICAL, transcript_tag

# Short ASR segments retrieve poorly alone: merge neighbours with the same tag up to this size.
PASSAGE_CHARS = 600


def rag_documents(
    segments: list[dict[str, Any]], source: str, which: str, domain: str | None
) -> list[dict[str, Any]]:
    """rag-api's JSON ingest documents for the chosen segments: one per segment tag, each
    tagged ``transcript:<tag>`` so retrieval can keep to the technical parts (none when no
    segment qualifies)."""
    chosen = [s for s in segments if which == "all" or s.get("tag") == TECHNICAL]
    documents = []
    for tag in sorted({str(s.get("tag") or "untagged") for s in chosen}):
        same = [s for s in chosen if str(s.get("tag") or "untagged") == tag]
        passages = segments_to_passages(same, source, max_chars=PASSAGE_CHARS)
        if not passages:
            continue
        document: dict[str, Any] = {
            "source": source,
            "segments": [
                {"text": p["text"], "start": p["meta"]["start"], "end": p["meta"]["end"]}
                for p in passages
            ],
            "metadata": {"kind": "transcript", "asr_segments": which, "segment_tag": tag},
            "tags": [transcript_tag(tag)],
        }
        if domain:
            document["domain"] = domain
        documents.append(document)
    return documents


class KnowledgeBase:
    """rag-api's ingestion, as seen from the asr-api."""

    def __init__(self, client: PeerClient) -> None:
        self.client = client

    async def ingest(self, documents: list[dict[str, Any]]) -> dict[str, Any]:
        """rag-api's ingest result.

        Raises (the kit's peer layer): UpstreamUnavailableError when rag-api cannot be
        reached, PeerRejectedError (its 4xx) when it refuses the document, UpstreamError for
        any other failure.
        """
        response = await self.client.post("/ingest", json={"documents": documents})
        return dict(response.raise_for_status().json())
