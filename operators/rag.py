"""rag-api's document endpoints, as the operator uses them for a KnowledgeBase.

A knowledge base's documents carry the tag ``knowledgebase:<name>`` and sources named
``<name>/<file>`` (the ingestion Job sets both, so two bases never share a document id);
``GET /documents`` lists them with their chunk counts, ``DELETE /documents/{id}`` removes one.
The kit's peer client sends the stack's service token, which rag-api requires.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from services.kit.peer import PeerClient


def tag_of(name: str) -> str:
    return f"knowledgebase:{name}"


async def documents(client: PeerClient, tag: str) -> list[dict[str, Any]]:
    """The documents tagged ``tag``. Raises the kit's peer errors."""
    body = (await client.get("/documents")).raise_for_status().json()
    return [d for d in body.get("data") or [] if tag in (d.get("tags") or [])]


async def delete(client: PeerClient, document_id: str) -> bool:
    """False when rag-api no longer has it. Raises the kit's peer errors."""
    response = await client.request("DELETE", f"/documents/{quote(document_id, safe='')}")
    if response.status == 404:
        return False
    response.raise_for_status()
    return True
