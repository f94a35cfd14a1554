"""Exact engineering identifiers: CAS numbers, thread sizes, standards, part numbers.

The BM25 tokenizer splits "7732-18-5" into three common numbers and "M12x1.75" into two
tokens, which makes exact lookups weak. Each identifier found is therefore also added to the
sparse text in a compact form (``cas7732185``, ``m12x175``): one rare token that only the
passages naming that identifier carry, for documents and queries alike.
"""

from __future__ import annotations

import re

_CAS = re.compile(r"(?<![\w-])(\d{2,7})-(\d{2})-(\d)(?![\w-])")
_THREAD = re.compile(r"(?<!\w)M\d{1,3}(?:\.\d+)?\s?[x\u00d7]\s?\d+(?:\.\d+)?(?!\w)", re.IGNORECASE)
_STANDARD = re.compile(
    r"\b(?:ISO|ASTM|DIN|EN|ASME|API|SAE|ANSI|JIS|BS|IEC|NACE|AWS|UNS|AISI|NFPA|OSHA)"
    r"(?:[ \t]+[A-Z]{1,3})?[ \t]?[A-Z]?\d[\w\-./:]*",
)
_PART = re.compile(r"(?<![\w-])[A-Z]{1,5}-?\d{2,}(?:-[A-Z0-9]+)*[A-Z]?(?![\w-])")


def cas_valid(number: str) -> bool:
    """CAS check digit: the weighted sum of the other digits, mod 10."""
    digits = number.replace("-", "")
    body, check = digits[:-1], int(digits[-1])
    total = sum((i + 1) * int(d) for i, d in enumerate(reversed(body)))
    return total % 10 == check


def compact(identifier: str) -> str:
    return re.sub(r"[^0-9a-z]", "", identifier.lower().replace("\u00d7", "x"))


def find_identifiers(text: str) -> list[str]:
    """Identifiers of ``text`` in order of appearance, without repeats."""
    found: dict[str, None] = {}
    for match in _CAS.finditer(text):
        if cas_valid(match.group()):
            found["CAS " + match.group()] = None
    for pattern in (_THREAD, _STANDARD, _PART):
        for match in pattern.finditer(text):
            found[match.group().strip().rstrip(".:,")] = None
    return list(found)


def sparse_text(text: str) -> str:
    """``text`` plus the compact form of each identifier it names (see module docstring)."""
    extra = [compact(i) for i in find_identifiers(text)]
    return text if not extra else text + "\n" + " ".join(extra)
