"""Converters, cleaning and markdown-aware splitting (Haystack components, no model)."""

from __future__ import annotations

import itertools

import pytest
from haystack import Document
from haystack.dataclasses import ByteStream

from services.rag.components.file_to_documents import FileToDocuments
from services.rag.components.markdown_aware_splitter import MarkdownAwareSplitter
from services.rag.components.text_cleaner import TextCleaner
from services.rag.errors import UnreadableFileError, UnsupportedFileTypeError
from tests.rag.pdfgen import make_pdf

pytestmark = pytest.mark.unit


def _convert(name: str, data: bytes) -> list[Document]:
    return FileToDocuments().run(sources=[ByteStream(data, meta={"file_name": name})])["documents"]


def test_pdf_gives_one_document_per_page_with_page_numbers() -> None:
    docs = _convert("spec.pdf", make_pdf(["Page one text", "", "Page three: 170 MPa"]))
    assert [(d.meta["page"], d.content.strip()) for d in docs] == [
        (1, "Page one text"),
        (3, "Page three: 170 MPa"),
    ]
    assert all(d.meta["source"] == "spec.pdf" for d in docs)


def test_html_headings_become_markdown_and_scripts_vanish() -> None:
    html = b"<html><head><script>x=1</script></head><body><h2>Torque</h2><p>79 Nm</p></body>"
    (doc,) = _convert("page.html", html)
    assert "## Torque" in doc.content and "x=1" not in doc.content


@pytest.mark.parametrize(
    ("name", "data", "error", "reason"),
    [
        ("tool.exe", b"MZ...", UnsupportedFileTypeError, "unsupported file type"),
        ("empty.pdf", b"", UnreadableFileError, "empty file"),
        ("blank.pdf", make_pdf([""]), UnreadableFileError, "no extractable text"),
        ("corrupt.pdf", make_pdf(["hello"])[:150], UnreadableFileError, "corrupt pdf"),
        ("fake.pdf", b"just text", UnreadableFileError, "not a pdf"),
        ("bin.txt", b"ab\x00cd", UnreadableFileError, "binary"),
    ],
)
def test_bad_files_raise_errors_naming_file_and_reason(
    name: str, data: bytes, error: type[Exception], reason: str
) -> None:
    with pytest.raises(error) as info:
        _convert(name, data)
    assert name in str(info.value) and reason in str(info.value)


def test_cleaner_keeps_lines_and_joins_hyphenated_breaks() -> None:
    (doc,) = TextCleaner().run(documents=[Document(content="# H\r\n\r\n\r\n\r\ncorro-\nsion   x")])[
        "documents"
    ]
    assert doc.content == "# H\n\ncorrosion x"


def test_splitter_cuts_at_headings_with_overlap_and_exact_offsets() -> None:
    body = " ".join(f"w{i}." if i % 7 == 6 else f"w{i}" for i in range(60))
    text = f"# Bolting\n\n## Torque\n\n{body}\n\n# Storage\n\nKeep dry."
    chunks = MarkdownAwareSplitter(chunk_words=20, overlap_words=5).run(
        documents=[Document(content=text, meta={"source": "s.md"})]
    )["documents"]
    for chunk in chunks:
        assert text[chunk.meta["offset_start"] : chunk.meta["offset_end"]] == chunk.content
    assert chunks[0].meta["heading"] == "Bolting > Torque"
    assert chunks[-1].meta["heading"] == "Storage" and chunks[-1].content.endswith("Keep dry.")
    torque = [c for c in chunks if c.meta["heading"] == "Bolting > Torque"]
    assert len(torque) >= 3
    for first, second in itertools.pairwise(torque):
        assert second.meta["offset_start"] < first.meta["offset_end"]  # overlap
    assert [c.meta["chunk_index"] for c in chunks] == list(range(len(chunks)))


def test_splitter_maps_transcript_segments_to_seconds() -> None:
    text = "alpha beta gamma\ndelta epsilon"
    segments = [
        {"char_start": 0, "char_end": 16, "start": 1.0, "end": 4.0},
        {"char_start": 17, "char_end": 30, "start": 4.0, "end": 9.5},
    ]
    (chunk,) = MarkdownAwareSplitter(chunk_words=50, overlap_words=5).run(
        documents=[Document(content=text, meta={"segments": segments})]
    )["documents"]
    assert (chunk.meta["start_s"], chunk.meta["end_s"]) == (1.0, 9.5)
    assert "segments" not in chunk.meta
