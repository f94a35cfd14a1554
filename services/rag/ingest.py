"""The ingestion pipeline: convert → clean → split → tag → (skip stored) → embed → classify →
BM25 → write, with per-file results.

Ids are derived from content: ``document_id`` from the source name and its bytes, each chunk id
from the document id, page, position and text. Chunks already stored are skipped before the
(expensive) embedding, so re-ingesting is a no-op and a crashed ingest is finished by running it
again. New chunks of a whole batch are embedded together in batches (throughput) and written
batch by batch (a crash loses at most one batch of work).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from haystack import Document
from haystack.dataclasses import ByteStream

from services.kit.errors import PayloadTooLargeError, ServiceError
from services.kit.logging import get_logger
from services.kit.names import check_file_name
from services.rag.components.bm25_sparse_embedder import Bm25SparseEmbedder
from services.rag.components.chunk_writer import ChunkWriter
from services.rag.components.domain_classifier import DomainClassifier
from services.rag.components.engineering_tagger import EngineeringTagger
from services.rag.components.file_to_documents import FileToDocuments
from services.rag.components.markdown_aware_splitter import MarkdownAwareSplitter
from services.rag.components.text_cleaner import TextCleaner
from services.rag.errors import UnreadableFileError
from services.rag.store.base import ChunkStore

log = get_logger(__name__)
_NAMESPACE = uuid.UUID("6f1c1f8e-5a0b-4d7e-9a39-3c1c0e0a4b21")


@dataclass
class IngestItem:
    """One file or text to ingest.

    ``data`` (file bytes) or ``text``; ``segments`` are transcript spans
    (``{"text", "start", "end"}`` in seconds) for text items.
    """

    name: str
    data: bytes | None = None
    text: str | None = None
    content_type: str | None = None
    domain: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    segments: list[dict[str, Any]] | None = None
    size: int = 0


@dataclass
class ItemResult:
    name: str
    document_id: str | None = None
    chunks: int = 0
    new_chunks: int = 0
    error: ServiceError | None = None

    def as_json(self) -> dict[str, Any]:
        if self.error is not None:
            return {
                "file": self.name,
                "status": "error",
                "error": {**self.error.body()["error"], "status": self.error.status_code},
            }
        return {
            "file": self.name,
            "status": "ingested" if self.new_chunks else "unchanged",
            "document_id": self.document_id,
            "chunks": self.chunks,
            "new_chunks": self.new_chunks,
        }


def document_id(name: str, payload: bytes) -> str:
    return hashlib.sha256(name.encode() + b"\0" + payload).hexdigest()[:32]


def chunk_id(doc_id: str, chunk: Document) -> str:
    digest = hashlib.sha256((chunk.content or "").encode()).hexdigest()[:16]
    key = f"{doc_id}:{chunk.meta.get('page', 0)}:{chunk.meta['chunk_index']}:{digest}"
    return str(uuid.uuid5(_NAMESPACE, key))


def _transcript(item: IngestItem) -> Document:
    """Join segments into one text, remembering each segment's character span."""
    parts, spans, pos = [], [], 0
    for seg in item.segments or []:
        text = " ".join(str(seg["text"]).split())
        spans.append(
            {
                "char_start": pos,
                "char_end": pos + len(text),
                "start": float(seg["start"]),
                "end": float(seg["end"]),
            }
        )
        parts.append(text)
        pos += len(text) + 1
    return Document(content="\n".join(parts), meta={"segments": spans})


class Ingestor:
    """Runs the ingestion components over a batch of items.

    Args:
        store: destination.
        document_embedder: a warmed-up Haystack document embedder (normalised vectors).
        classifier: fills ``domain`` when not given.
        chunk_words, overlap_words: splitter windows.
        max_file_bytes: per-file cap; larger files get a 413 entry naming the cap.
        embed_batch: chunks embedded (and written) together.
    """

    def __init__(
        self,
        store: ChunkStore,
        document_embedder: Any,
        classifier: DomainClassifier,
        sparse: Bm25SparseEmbedder,
        *,
        chunk_words: int,
        overlap_words: int,
        max_file_bytes: int,
        embed_batch: int = 64,
    ) -> None:
        self.store = store
        self.embedder = document_embedder
        self.classifier = classifier
        self.sparse = sparse
        self.converter = FileToDocuments()
        self.cleaner = TextCleaner()
        self.splitter = MarkdownAwareSplitter(chunk_words, overlap_words)
        self.tagger = EngineeringTagger()
        self.writer = ChunkWriter(store)
        self.max_file_bytes = max_file_bytes
        self.embed_batch = embed_batch

    def prepare(self, item: IngestItem) -> tuple[str, list[Document]]:
        """Chunks of one item, tagged and with their ids (nothing embedded yet).

        Raises:
            InvalidRequestError (a path-like name), PayloadTooLargeError,
            UnsupportedFileTypeError, UnreadableFileError.
        """
        check_file_name(item.name, "files")
        size = item.size or len(item.data or b"") or len((item.text or "").encode())
        if size > self.max_file_bytes:
            raise PayloadTooLargeError(
                f"{item.name}: {size} bytes exceeds the per-file limit of {self.max_file_bytes} "
                "bytes (RAG_MAX_FILE_BYTES)",
                param="files",
            )
        extra: dict[str, Any] = {"source": item.name, "tags": item.tags}
        if item.domain:
            extra["domain"] = item.domain
        if item.data is not None:
            stream = ByteStream(
                item.data, meta={"file_name": item.name}, mime_type=item.content_type
            )
            docs = self.converter.run(sources=[stream])["documents"]
            raw = item.data
        else:
            doc = _transcript(item) if item.segments else Document(content=item.text or "")
            doc.meta["content_type"] = "transcript" if item.segments else "text"
            docs, raw = [doc], (doc.content or "").encode()
        # A caller's metadata never overrides what the pipeline records (transcript spans,
        # pages, content type): a clash there would corrupt the chunks' citations.
        docs = [replace(doc, meta={**item.meta, **doc.meta, **extra}) for doc in docs]
        doc_id = document_id(item.name, raw)
        cleaned = self.cleaner.run(documents=docs)["documents"] if not item.segments else docs
        chunks = self.splitter.run(documents=cleaned)["documents"]
        if not chunks:
            raise UnreadableFileError(f"{item.name}: no text to ingest", param="files")
        tagged = self.tagger.run(documents=chunks)["documents"]
        for chunk in tagged:
            chunk.meta["document_id"] = doc_id
        return doc_id, [replace(c, id=chunk_id(doc_id, c)) for c in tagged]

    def ingest(self, items: Sequence[IngestItem]) -> list[ItemResult]:
        """Ingest every item; a bad item becomes an error result, the others go on."""
        results: list[ItemResult] = []
        pending: list[Document] = []
        for item in items:
            result = ItemResult(item.name)
            try:
                result.document_id, chunks = self.prepare(item)
            except ServiceError as exc:
                log.warning("ingest refused a file", file=item.name, reason=exc.message)
                result.error = exc
                results.append(result)
                continue
            unique = {c.id: c for c in chunks}
            stored = self.store.existing_ids(list(unique))
            new = [c for cid, c in unique.items() if cid not in stored]
            result.chunks, result.new_chunks = len(unique), len(new)
            pending.extend(new)
            results.append(result)
        self._embed_and_write(pending)
        log.info(
            "ingest done",
            files=len(items),
            new_chunks=len(pending),
            errors=sum(r.error is not None for r in results),
        )
        return results

    def _embed_and_write(self, chunks: list[Document]) -> None:
        # Batches of similar length pad less (what SentenceTransformers does within one
        # encode call); the id breaks ties so the order, and so each batch, is reproducible.
        chunks = sorted(chunks, key=lambda c: (len(c.content or ""), c.id))
        for start in range(0, len(chunks), self.embed_batch):
            batch = chunks[start : start + self.embed_batch]
            embedded = self.embedder.run(documents=batch)["documents"]
            now = datetime.now(UTC).isoformat(timespec="seconds")
            for doc in embedded:
                doc.meta["ingested_at"] = now
            classified = self.classifier.run(documents=embedded)["documents"]
            sparse = self.sparse.run(documents=classified)["documents"]
            self.writer.run(documents=sparse)
