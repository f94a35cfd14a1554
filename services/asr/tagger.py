"""Tag segments *technical* or *narrative* from the density of quantities, units and terms.

Deterministic and explainable: each segment gets a score

    score = 2·quantities + 1.5·domain terms + 1·unit words without a number + 0.5·bare numbers

divided by its word count. A segment is technical when that density reaches ``threshold`` *and*
it carries domain evidence (a domain term, or two quantities): "we drove 200 kilometres" has a
quantity but tells an engineer nothing, so it stays narrative.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

from services.asr.transcript import Transcript
from services.kit.quantities import Quantity, QuantityFinder

TECHNICAL = "technical"
NARRATIVE = "narrative"

_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*|\d+(?:[.,]\d+)*")
_NUMBER = re.compile(r"\d")


def _stem(word: str) -> str:
    # Plural folding only ("specimens" → "specimen"); enough for a hand-written vocabulary.
    word = word.lower().strip("'-")
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def load_terms() -> list[tuple[str, ...]]:
    """The ``terms.txt`` vocabulary as stemmed word tuples, longest phrases first."""
    text = resources.files("services.asr").joinpath("terms.txt").read_text(encoding="utf-8")
    terms = {
        tuple(_stem(w) for w in line.split())
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    }
    return sorted(terms, key=len, reverse=True)


@dataclass(frozen=True)
class TagResult:
    tag: str
    density: float
    quantities: list[Quantity]
    terms: int
    unit_words: int
    numbers: int
    words: int


class SegmentTagger:
    """Classifies text and annotates transcripts.

    Args:
        finder: the quantity finder (built once: it holds pint's registry).
        terms: stemmed domain phrases; defaults to ``terms.txt``.
        threshold: minimum weighted evidence per word for "technical".
    """

    def __init__(
        self,
        finder: QuantityFinder | None = None,
        terms: list[tuple[str, ...]] | None = None,
        threshold: float = 0.25,
    ) -> None:
        self.finder = finder or QuantityFinder()
        self.terms = terms if terms is not None else load_terms()
        self.threshold = threshold

    def _count_terms(self, words: list[str]) -> int:
        stems = [_stem(w) for w in words]
        used = [False] * len(stems)
        count = 0
        for term in self.terms:  # longest first, so "yield strength" wins over "yield"
            n = len(term)
            for i in range(len(stems) - n + 1):
                if tuple(stems[i : i + n]) == term and not any(used[i : i + n]):
                    used[i : i + n] = [True] * n
                    count += 1
        return count

    def classify(self, text: str) -> TagResult:
        """Tag one piece of text, with the evidence that decided it."""
        quantities = self.finder.run(text)
        words = _WORD.findall(text)
        numbers = sum(1 for w in words if _NUMBER.match(w)) - len(quantities)
        terms = self._count_terms([w for w in words if not _NUMBER.match(w)])
        units = self.finder.bare_units(text, quantities)
        score = 2 * len(quantities) + 1.5 * terms + units + 0.5 * max(numbers, 0)
        density = score / max(len(words), 1)
        evidence = terms >= 1 or len(quantities) >= 2
        tag = TECHNICAL if density >= self.threshold and evidence else NARRATIVE
        return TagResult(tag, density, quantities, terms, units, max(numbers, 0), len(words))

    def run(self, transcript: Transcript) -> Transcript:
        """Fill in ``tag`` and ``quantities`` on every segment (in place; returns it)."""
        for segment in transcript.segments:
            result = self.classify(segment.text)
            segment.tag = result.tag
            segment.quantities = [q.as_dict() for q in result.quantities]
        return transcript
