"""Derive quantities (in SI), the units the user wants answers in, and constraint statements."""

from __future__ import annotations

import re
from functools import cached_property
from importlib import resources

from pydantic import BaseModel

from services.kit.quantities import QuantityFinder

_SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")
# "in ksi", "to kPa", "as °C", "expressed in megapascals": the unit the answer should use.
_TARGET_LEAD = r"(?:\b(?:in|into|to|as)\s+)"


class QuantityOut(BaseModel):
    text: str
    value: float
    unit: str
    si_value: float | None
    si_unit: str | None
    # pressure, length, velocity ... (services/kit/quantities.py): calculators match on it.
    kind: str = "other"


class TargetUnit(BaseModel):
    text: str
    unit: str
    si_unit: str | None


class Facts(BaseModel):
    """What the text states: quantities, the units asked for, constraint sentences."""

    quantities: list[QuantityOut]
    target_units: list[TargetUnit]
    constraints: list[str]


class RetrievalParams(BaseModel):
    """How the orchestrator should retrieve evidence for this prompt."""

    top_k: int
    # rag-api's multipliers (1 neutral; services/kit/vocabulary.py).
    domain_weights: dict[str, float]
    # Prefer chunks tagged with quantities/units/constraints when the prompt is about numbers.
    prefer_hard_facts: bool


class Conditioning(Facts):
    """What the gateway derived from the user's last message. The message itself is untouched."""

    # The prompt's share per domain (sums to 1); retrieval.domain_weights are its multipliers.
    domain_weights: dict[str, float]
    retrieval: RetrievalParams


class Extractor:
    """Build once per process (pint's registry takes ~0.5 s); ``run`` is then cheap."""

    def __init__(self, finder: QuantityFinder | None = None) -> None:
        self.finder = finder or QuantityFinder()

    @cached_property
    def _constraint(self) -> re.Pattern[str]:
        text = resources.files(__package__).joinpath("constraints.txt").read_text("utf-8")
        phrases = [p.strip() for p in text.splitlines() if p.strip() and not p.startswith("#")]
        alternation = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in phrases)
        return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)|[≤≥<>]", re.IGNORECASE)

    @cached_property
    def _target(self) -> re.Pattern[str]:
        unit = self.finder.unit_expression
        return re.compile(rf"{_TARGET_LEAD}(?P<unit>{unit})(?![\w°%])")

    def run(self, text: str) -> Facts:
        quantities = self.finder.run(text)
        return Facts(
            quantities=[QuantityOut(**q.as_dict()) for q in quantities],
            target_units=self._targets(text, [(q.start, q.end) for q in quantities]),
            constraints=[s.strip() for s in _SENTENCE.findall(text) if self._constraint.search(s)],
        )

    def _targets(self, text: str, taken: list[tuple[int, int]]) -> list[TargetUnit]:
        found: list[TargetUnit] = []
        for match in self._target.finditer(text):
            start = match.start("unit")
            if any(a <= start < b for a, b in taken):
                continue  # the unit of a quantity ("at 300 °F"), not a requested one
            unit = self.finder.pint_unit(match["unit"])
            si_unit: str | None
            try:
                si_unit = self.finder.to_si(1.0, unit)[1]
            except (TypeError, ValueError, AttributeError, KeyError):
                si_unit = None
            found.append(TargetUnit(text=match["unit"], unit=unit.strip("()"), si_unit=si_unit))
        return found
