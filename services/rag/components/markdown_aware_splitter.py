"""MarkdownAwareSplitter: cut documents into overlapping word windows inside heading sections.

Headings (``#`` lines, also produced from HTML) always start a new chunk and name it
(``heading``: the heading path, "Bolting > Torque"). Inside a section, windows of ``chunk_words``
words overlap by ``overlap_words`` and prefer to end at a sentence or paragraph end. Each chunk's
``content`` is an exact slice of its document, recorded as ``offset_start``/``offset_end``; for
transcripts (``segments`` in the document meta: char spans with start/end seconds) a chunk also
gets ``start_s``/``end_s``.
"""

from __future__ import annotations

import re
from typing import Any

from haystack import Document, component

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_WORD = re.compile(r"\S+")
_SENTENCE_END = re.compile(r"[.!?:;]$")


def _sections(text: str) -> list[tuple[int, int, str | None]]:
    """(start, end, heading path) of each section; a heading with no body joins the next."""
    marks: list[tuple[int, str | None]] = [(0, None)]
    path: list[tuple[int, str]] = []
    for match in _HEADING.finditer(text):
        level = len(match.group(1))
        path = [(lvl, title) for lvl, title in path if lvl < level] + [
            (level, match.group(2).strip())
        ]
        marks.append((match.start(), " > ".join(title for _, title in path)))
    spans = []
    for i, (start, heading) in enumerate(marks):
        end = marks[i + 1][0] if i + 1 < len(marks) else len(text)
        spans.append((start, end, heading))
    merged: list[tuple[int, int, str | None]] = []
    carry: int | None = None
    for start, end, heading in spans:
        body = text[start:end]
        if heading is not None and not _HEADING.sub("", body).strip():
            carry = start if carry is None else carry  # heading only: keep it with the next
            continue
        if not body.strip():
            continue
        merged.append((carry if carry is not None else start, end, heading))
        carry = None
    if carry is not None:
        merged.append((carry, len(text), spans[-1][2]))
    return merged


def _windows(words: list[re.Match[str]], size: int, overlap: int) -> list[tuple[int, int]]:
    """[first, last) word indexes of each window."""
    if len(words) <= size:
        return [(0, len(words))]
    out = []
    first = 0
    while first < len(words):
        last = min(first + size, len(words))
        if last < len(words):
            # End at a sentence end within the last `overlap` words when there is one.
            for j in range(last, max(first + size - overlap, first + 1), -1):
                if _SENTENCE_END.search(words[j - 1].group()):
                    last = j
                    break
        out.append((first, last))
        if last == len(words):
            break
        first = max(first + 1, last - overlap)
    return out


@component
class MarkdownAwareSplitter:
    """Split Documents into chunks with overlap, keeping offsets, headings and times.

    Args:
        chunk_words: words per chunk at most.
        overlap_words: words repeated between consecutive chunks of a section.
    """

    def __init__(self, chunk_words: int = 180, overlap_words: int = 30) -> None:
        if not 0 <= overlap_words < chunk_words:
            raise ValueError("overlap_words must be in [0, chunk_words)")
        self.chunk_words = chunk_words
        self.overlap_words = overlap_words

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]) -> dict[str, Any]:
        chunks: list[Document] = []
        for doc in documents:
            chunks.extend(self._split(doc))
        return {"documents": chunks}

    def _split(self, doc: Document) -> list[Document]:
        text = doc.content or ""
        meta = {k: v for k, v in doc.meta.items() if k != "segments"}
        segments = doc.meta.get("segments") or []
        chunks = []
        for start, end, heading in _sections(text):
            words = list(_WORD.finditer(text, start, end))
            for first, last in _windows(words, self.chunk_words, self.overlap_words):
                lo, hi = words[first].start(), words[last - 1].end()
                chunk_meta = {
                    **meta,
                    "chunk_index": len(chunks),
                    "offset_start": lo,
                    "offset_end": hi,
                }
                if heading:
                    chunk_meta["heading"] = heading
                chunk_meta.update(_times(segments, lo, hi))
                chunks.append(Document(content=text[lo:hi], meta=chunk_meta))
        return chunks


def _times(segments: list[dict[str, Any]], lo: int, hi: int) -> dict[str, float]:
    """start_s/end_s of the transcript segments a chunk overlaps."""
    hits = [s for s in segments if s["char_start"] < hi and s["char_end"] > lo]
    if not hits:
        return {}
    return {"start_s": min(s["start"] for s in hits), "end_s": max(s["end"] for s in hits)}
