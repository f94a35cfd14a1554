"""FileToDocuments: txt, md, html and pdf bytes → Haystack Documents (one per pdf page).

Markdown is kept as written so the splitter can cut at headings; HTML headings become markdown
headings for the same reason. A pdf yields one Document per page with a ``page`` number, so a
citation can name the page. Bad input raises a per-file error the caller reports.
"""

from __future__ import annotations

import io
from html.parser import HTMLParser
from pathlib import PurePath
from typing import Any

from haystack import Document, component
from haystack.dataclasses import ByteStream

from services.rag.errors import UnreadableFileError, UnsupportedFileTypeError

TYPES = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
}
MIME_TYPES = {
    "text/plain": "text",
    "text/markdown": "markdown",
    "text/html": "html",
    "application/pdf": "pdf",
}
_BLOCK = {"p", "div", "br", "li", "tr", "table", "section", "article", "pre", "blockquote"}


class _HtmlText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in {"script", "style", "head", "noscript"}:
            self._skip += 1
        elif tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            self.parts.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag in _BLOCK:
            self.parts.append("\n\n" if tag != "li" else "\n- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "head", "noscript"}:
            self._skip = max(0, self._skip - 1)
        elif tag in {"h1", "h2", "h3", "h4", "h5", "h6"} or tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def file_type(name: str, mime: str | None = None) -> str:
    """``text``/``markdown``/``html``/``pdf`` for a file name (or its mime type).

    Raises:
        UnsupportedFileTypeError: naming the file and the types accepted.
    """
    kind = TYPES.get(PurePath(name).suffix.lower())
    if kind is None and mime:
        kind = MIME_TYPES.get(mime.split(";")[0].strip().lower())
    if kind is None:
        accepted = ", ".join(sorted(TYPES))
        raise UnsupportedFileTypeError(
            f"{name}: unsupported file type; accepted: {accepted}", param="files"
        )
    return kind


def _decode(name: str, data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise UnreadableFileError(f"{name}: binary content in a text file", param="files")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Old engineering documents are often Windows-1252; latin-1 never fails but would
        # silently garble UTF-8 typos, so it is only the fallback.
        return data.decode("cp1252", errors="replace")


def _pdf_pages(name: str, data: bytes) -> list[str]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise UnreadableFileError(f"{name}: not a pdf (no %PDF header)", param="files")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        return [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise UnreadableFileError(f"{name}: corrupt pdf ({exc})", param="files") from None


@component
class FileToDocuments:
    """Convert uploaded files to Documents carrying ``source``, ``content_type`` and ``page``."""

    @component.output_types(documents=list[Document])
    def run(self, sources: list[ByteStream]) -> dict[str, Any]:
        """Convert every source; the first bad one raises.

        Raises:
            UnsupportedFileTypeError: an extension or mime type that is not handled.
            UnreadableFileError: an empty, binary or corrupt file, or one without text.
        """
        documents: list[Document] = []
        for source in sources:
            documents.extend(self._convert(source))
        return {"documents": documents}

    def _convert(self, source: ByteStream) -> list[Document]:
        name = str(source.meta.get("file_name") or "upload")
        kind = file_type(name, source.mime_type)
        if not source.data.strip():
            raise UnreadableFileError(f"{name}: empty file", param="files")
        base = {k: v for k, v in source.meta.items() if k != "file_name"}
        base.update(source=name, content_type=kind)
        if kind == "pdf":
            pages = _pdf_pages(name, source.data)
            docs = [
                Document(content=text, meta={**base, "page": i + 1})
                for i, text in enumerate(pages)
                if text.strip()
            ]
        else:
            text = _decode(name, source.data)
            if kind == "html":
                parser = _HtmlText()
                parser.feed(text)
                text = "".join(parser.parts)
            docs = [Document(content=text, meta=base)] if text.strip() else []
        if not docs:
            raise UnreadableFileError(f"{name}: no extractable text", param="files")
        return docs
