"""Load a domain's baseline corpus into rag-api, tagged with the domain; re-running changes
nothing.

rag-api is the one knowledge store: the chat path's retrieval and the MCP ``search`` tool both
read it. Each corpus document becomes one rag-api document named ``mcp/<domain>/<file>``,
ingested with ``domain`` set (so domain-filtered searches find it), the document's metadata
merged into every chunk (title, public references, hazard tags) and three kinds of tags:
``mcp-baseline``, the hazard tags, and ``rev-<digest>`` of what was sent.

A sync compares what rag-api holds (``GET /documents?domain=``) with the corpus:

- the same source with this revision's tag   → ``unchanged`` (no request at all);
- no document of that source                 → ``ingested``;
- the source with another revision            → ``updated``: the new version is ingested, then
  the old one deleted (a search never finds the document missing in between);
- a baseline source no longer in the corpus  → ``removed`` (deleted).

Only documents under ``mcp/<domain>/`` are ever deleted: a user's own documents are not
touched. rag-api's own idempotency (content-derived ids) stays a second line of defence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from services.kit.errors import InvalidRequestError
from services.kit.peer import PeerClient
from services.mcp.corpus import CorpusDocument
from services.mcp.domains import Domain
from services.mcp.errors import CorpusSyncError


@dataclass(frozen=True)
class StoredDocument:
    """A document rag-api holds (from ``GET /documents``)."""

    id: str
    source: str
    tags: tuple[str, ...]
    chunks: int


@dataclass
class DocumentResult:
    filename: str
    status: str  # ingested | updated | unchanged | removed
    chunks: int = 0
    new_chunks: int = 0


@dataclass
class DomainSummary:
    """What one sync of one domain did, with counts."""

    domain: str
    documents: int = 0
    ingested: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    chunks: int = 0
    new_chunks: int = 0
    results: list[DocumentResult] = field(default_factory=list)

    def add(self, result: DocumentResult) -> None:
        self.results.append(result)
        setattr(self, result.status, getattr(self, result.status) + 1)
        self.chunks += result.chunks
        self.new_chunks += result.new_chunks

    @property
    def changed(self) -> bool:
        return bool(self.ingested or self.updated or self.removed)

    def as_dict(self) -> dict[str, Any]:
        fields = ("documents", "ingested", "updated", "unchanged", "removed", "chunks")
        return {"domain": self.domain, **{f: getattr(self, f) for f in fields},
                "new_chunks": self.new_chunks}  # fmt: skip


OnDocument = Callable[[DocumentResult], None]


class CorpusSync:
    """Syncs domains' corpora with rag-api through the kit's peer client.

    Args:
        rag: a peer client for rag-api.
        ingest_timeout_s: between two reads while rag-api embeds one document.

    Errors: the kit's peer errors when rag-api is unreachable or times out (transient: try
    again); :class:`CorpusSyncError` when rag-api refuses a document (it will again).
    """

    def __init__(self, rag: PeerClient, ingest_timeout_s: float) -> None:
        self.rag = rag
        self.ingest_timeout_s = ingest_timeout_s

    async def stored(self, domain: str) -> list[StoredDocument]:
        """The baseline documents of ``domain`` that rag-api holds."""
        response = await self.rag.get(f"/documents?domain={quote(domain)}")
        response.raise_for_status()
        prefix = f"mcp/{domain}/"
        return [
            StoredDocument(d["id"], d["source"], tuple(d.get("tags") or ()), d["chunks"])
            for d in response.json()["data"]
            if str(d.get("source", "")).startswith(prefix)
        ]

    async def pending(self, domain: Domain) -> list[str]:
        """File names of the corpus that rag-api lacks or holds in another revision, and
        stale baseline sources; empty when the domain is up to date."""
        stored = await self.stored(domain.name)
        current = {doc.source: doc.revision_tag for doc in domain.documents}
        out = []
        for doc in domain.documents:
            versions = [s for s in stored if s.source == doc.source]
            if len(versions) != 1 or doc.revision_tag not in versions[0].tags:
                out.append(doc.filename)
        out += sorted({s.source.rsplit("/", 1)[-1] for s in stored if s.source not in current})
        return out

    async def sync(self, domain: Domain, on_document: OnDocument | None = None) -> DomainSummary:
        """Bring rag-api in line with ``domain``'s corpus (see the module docstring)."""
        stored = await self.stored(domain.name)
        summary = DomainSummary(domain.name, documents=len(domain.documents))
        for doc in domain.documents:
            versions = [s for s in stored if s.source == doc.source]
            result = await self._sync_document(doc, versions)
            summary.add(result)
            if on_document is not None:
                on_document(result)
        sources = {doc.source for doc in domain.documents}
        for gone in (s for s in stored if s.source not in sources):
            await self._delete(gone.id)
            result = DocumentResult(gone.source.rsplit("/", 1)[-1], "removed")
            summary.add(result)
            if on_document is not None:
                on_document(result)
        return summary

    async def _sync_document(
        self, doc: CorpusDocument, versions: list[StoredDocument]
    ) -> DocumentResult:
        if len(versions) == 1 and doc.revision_tag in versions[0].tags:
            return DocumentResult(doc.filename, "unchanged", chunks=versions[0].chunks)
        answer = await self._ingest(doc)
        if answer["status"] == "unchanged":
            # Same text, other metadata or tags: rag-api keeps chunks by content, so the old
            # version goes first and the new one is written in its place.
            await self._delete(answer["document_id"])
            answer = await self._ingest(doc)
        for old in versions:
            if old.id != answer["document_id"]:
                await self._delete(old.id)
        return DocumentResult(
            doc.filename,
            "updated" if versions else "ingested",
            chunks=int(answer.get("chunks", 0)),
            new_chunks=int(answer.get("new_chunks", 0)),
        )

    async def _ingest(self, doc: CorpusDocument) -> dict[str, Any]:
        body = {
            "documents": [
                {
                    "source": doc.source,
                    "text": doc.body,
                    "domain": doc.domain,
                    "metadata": doc.ingest_metadata(),
                    "tags": doc.tags,
                }
            ]
        }
        response = await self.rag.post("/ingest", json=body, read_timeout_s=self.ingest_timeout_s)
        try:
            response.raise_for_status()
        except InvalidRequestError as exc:
            raise CorpusSyncError(f"rag-api refused {doc.path}: {exc.message}") from None
        (result,) = response.json()["results"]
        if result.get("status") == "error":
            message = result.get("error", {}).get("message", "unknown error")
            raise CorpusSyncError(f"rag-api refused {doc.path}: {message}")
        return dict(result)

    async def _delete(self, document_id: str) -> None:
        response = await self.rag.request("DELETE", f"/documents/{quote(document_id)}")
        if response.status != 404:  # already gone (another replica's sync) is fine
            response.raise_for_status()
