"""Spot constraint and safety statements: limits, prohibitions, hazards.

Sentences are tagged, not rewritten: a chunk gets ``constraints`` (the sentences) and
``constraint_kinds`` (``limit``, ``prohibition``, ``requirement``, ``hazard``) so retrieval can
prefer hard facts and a client can filter on them. Patterns are deliberately conservative:
a false "hazard" tag on a harmless passage costs more trust than a missed one.
"""

from __future__ import annotations

import re

_SENTENCE = re.compile(r"(?<=[.!?;])\s+(?=[A-Z0-9(])|\n{2,}|\n(?=\s*[-*•]\s)")

_PATTERNS: dict[str, re.Pattern[str]] = {
    "prohibition": re.compile(
        r"\b(must not|shall not|do not|never|may not|is not permitted|prohibited|forbidden|"
        r"not to exceed|must never)\b",
        re.IGNORECASE,
    ),
    "limit": re.compile(
        r"\b(max(imum)?|min(imum)?|limit(s|ed)?|not (more|less) than|no (more|less) than|"
        r"at (most|least)|(exceed|below|above|up to|within)\b.{0,20}\d|"
        r"upper bound|lower bound|allowable|permissible|rated (for|at))\b|[≤≥<>]\s*\d",
        re.IGNORECASE,
    ),
    "requirement": re.compile(r"\b(must|shall|required|mandatory)\b", re.IGNORECASE),
    "hazard": re.compile(
        r"\b(hazard(ous)?|danger(ous)?|toxic|flammable|explosive|corrosive|carcinogen(ic)?|"
        r"warning|caution|PPE|ventilat(e|ion)|exposure limit|TLV|PEL|LD50|flash point|"
        r"auto-?ignition|burns?|fatal|H\d{3}|runaway|asphyxia(nt|tion))\b",
        re.IGNORECASE,
    ),
}


def find_constraints(text: str) -> tuple[list[str], list[str]]:
    """Sentences of ``text`` that state a constraint, and the sorted kinds found.

    A sentence that only says "must" is a requirement; with a number or a prohibition it is
    also a limit/prohibition (all matching kinds are reported).
    """
    sentences: list[str] = []
    kinds: set[str] = set()
    for raw in _SENTENCE.split(text):
        sentence = " ".join(raw.split())
        if not sentence:
            continue
        hit = {kind for kind, pattern in _PATTERNS.items() if pattern.search(sentence)}
        if hit:
            sentences.append(sentence[:400])
            kinds |= hit
    return sentences, sorted(kinds)
