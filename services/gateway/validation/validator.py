"""Find quantities in an answer, give their SI values, and check them against ``ranges.yaml``."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from services.kit.quantities import Quantity, QuantityFinder

# How far before a number the context words of a rule may stand ("efficiency of 120 %").
_CONTEXT_CHARS = 60


class RangeRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str
    unit: str | None = None
    context: list[str] = Field(default_factory=list)
    min: float | None = None
    max: float | None = None
    message: str


class Finding(BaseModel):
    text: str
    si: str | None
    message: str


class Validation(BaseModel):
    """What was checked in one answer."""

    quantities: list[dict[str, Any]]  # {text, si} for each quantity with an SI value
    findings: list[Finding]

    def note(self) -> str:
        """A short note for the end of the answer ('' when there is nothing to say)."""
        parts = []
        converted = [q for q in self.quantities if q["si"] and q["si"] != q["text"]]
        if converted:
            parts.append("SI: " + "; ".join(f"{q['text']} ({q['si']})" for q in converted))
        parts += [f"⚠ {f.text}: {f.message}" for f in self.findings]
        return "\n\n[validation] " + " | ".join(parts) if parts else ""


def load_rules() -> list[RangeRule]:
    text = resources.files(__package__).joinpath("ranges.yaml").read_text("utf-8")
    return [RangeRule.model_validate(r) for r in yaml.safe_load(text)]


# Simple SI units shown with a prefix (300 kPa, not 300000 Pa).
_PREFIXABLE = frozenset({"Pa", "N", "J", "W", "V", "A", "Hz", "m", "N·m"})
_PREFIXES = ((1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""), (1e-3, "m"), (1e-6, "µ"))


def _si_text(q: Quantity) -> str | None:
    """The SI value as a person writes it ("300 kPa"); None when there is none to show."""
    if q.si_value is None or not q.si_unit or q.si_unit == "1":
        return None
    value, unit = q.si_value, q.si_unit
    if unit in _PREFIXABLE and value != 0:
        for factor, prefix in _PREFIXES:
            if abs(value) >= factor:
                return f"{value / factor:.4g} {prefix}{unit}"
    return f"{value:.6g} {unit}"


class Validator:
    def __init__(self, finder: QuantityFinder, rules: list[RangeRule] | None = None) -> None:
        self.finder = finder
        self.rules = rules if rules is not None else load_rules()

    def _applies(self, rule: RangeRule, q: Quantity, text: str) -> bool:
        if rule.kind != q.kind or (rule.unit and rule.unit != q.unit):
            return False
        if not rule.context:
            return True
        before = text[max(0, q.start - _CONTEXT_CHARS) : q.start].lower()
        return any(word in before for word in rule.context)

    def _violates(self, rule: RangeRule, q: Quantity) -> bool:
        value = q.si_value if q.si_value is not None else q.value
        if rule.unit == "percent":
            value = q.value  # the rule's bounds are in percent, as written
        return (rule.min is not None and value < rule.min) or (
            rule.max is not None and value > rule.max
        )

    def run(self, text: str) -> Validation:
        quantities = self.finder.run(text)
        findings = [
            Finding(text=q.text, si=_si_text(q), message=rule.message)
            for q in quantities
            for rule in self.rules
            if self._applies(rule, q, text) and self._violates(rule, q)
        ]
        return Validation(
            quantities=[{"text": q.text, "si": _si_text(q)} for q in quantities],
            findings=findings,
        )
