"""TextCleaner: normalise text before splitting, keeping line structure for markdown.

Citation offsets refer to the cleaned text, which is what a chunk's ``content`` is cut from.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from haystack import Document, component

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANKS = re.compile(r"\n\s*\n(\s*\n)+")
# pdf text often hyphenates at line ends: "corro-\nsion" → "corrosion".
_HYPHEN_BREAK = re.compile(r"(?<=[a-z])-\n(?=[a-z])")


@component
class TextCleaner:
    """NFC-normalise, drop control characters, collapse runs of spaces and blank lines."""

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]) -> dict[str, Any]:
        cleaned = []
        for doc in documents:
            text = unicodedata.normalize("NFC", doc.content or "").replace("\r\n", "\n")
            text = _CONTROL.sub(" ", text.replace("\r", "\n"))
            text = _HYPHEN_BREAK.sub("", text)
            text = "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))
            text = _BLANKS.sub("\n\n", text).strip()
            if text:
                cleaned.append(Document(content=text, meta=dict(doc.meta)))
        return {"documents": cleaned}
