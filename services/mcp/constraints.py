"""Safety-constraint tables: subject (substance, material, operation) → limits with sources.

A table is a YAML data file (services/mcp/constraints/<domain>.yaml)::

    entries:
      - subject: acetone
        kind: substance
        aliases: ["CAS 67-64-1", propanone]
        limits:
          - {parameter: "exposure limit, 10-hour TWA (NIOSH REL)", relation: max,
             value: 250, unit: ppm, source: "NIOSH Pocket Guide to Chemical Hazards, acetone"}

Every limit is normalised once, at load: its SI value and its value in the domain's unit
conventions (services/mcp/conventions.py). A limit whose unit pint cannot read fails the load,
naming the file, the subject and the limit, so a typo never reaches a client.

Lookup (:meth:`ConstraintTable.lookup`) matches a subject, any alias, a name or alias that
appears as whole words in the asked text ("acetone wash of a flask"), or asked words that
appear in a name ("stainless" → every stainless steel); exact matches come first.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.kit import conversion
from services.mcp.conventions import Normalised, UnitConventions, normalise
from services.mcp.errors import DomainFileError
from services.mcp.yamlfile import read_yaml_file, validation_problems

Relation = Literal["max", "min", "target", "threshold"]
SubjectKind = Literal["substance", "material", "operation"]
_SYMBOL = {"max": "≤", "min": "≥", "target": "≈", "threshold": "at"}
# Asked words shorter than this never match inside names ("a", "of" ...).
_MIN_PARTIAL = 3


class LimitRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    parameter: str = Field(min_length=1)
    relation: Relation
    value: float
    unit: str
    quantity: str | None = None
    source: str = Field(min_length=1)
    note: str | None = None


class EntryRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: str = Field(min_length=1)
    kind: SubjectKind
    aliases: list[str] = Field(default_factory=list)
    limits: list[LimitRow] = Field(min_length=1)


class TableFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entries: list[EntryRow] = Field(min_length=1)


@dataclass(frozen=True)
class Limit:
    subject: str
    subject_kind: str
    parameter: str
    relation: str
    quantity: Normalised
    source: str
    note: str | None

    def statement(self) -> str:
        """``acetone: exposure limit ... ≤ 250 ppm (SI 0.00025 1)`` with the convention."""
        q = self.quantity
        shown = f"{q.value:g} {q.unit}".strip()
        extra = []
        if q.domain_unit and q.domain_unit != q.unit:
            extra.append(f"{q.domain_value:.6g} {q.domain_unit}")
        if q.si_unit != q.unit and q.si_unit not in (q.domain_unit, "1"):
            extra.append(f"SI {q.si_value:.6g} {q.si_unit}")
        also = f" ({'; '.join(extra)})" if extra else ""
        return f"{self.subject}: {self.parameter} {_SYMBOL[self.relation]} {shown}{also}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "subject_kind": self.subject_kind,
            "parameter": self.parameter,
            "relation": self.relation,
            **self.quantity.as_dict(),
            "statement": self.statement(),
            "source": self.source,
            "note": self.note,
        }


def _words(text: str) -> tuple[str, ...]:
    # Hyphens, slashes and brackets separate words, so "67-64-1" and "67 64 1" match alike.
    return tuple(re.findall(r"[a-z0-9]+(?:\.[a-z0-9]+)*", text.lower()))


def _contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    n = len(needle)
    return n > 0 and any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


@dataclass(frozen=True)
class Entry:
    subject: str
    kind: str
    aliases: tuple[str, ...]
    limits: tuple[Limit, ...]

    @functools.cached_property
    def names(self) -> tuple[tuple[str, ...], ...]:
        # Read several times per lookup: split into words once per entry.
        return tuple(_words(n) for n in (self.subject, *self.aliases))

    def match(self, asked: tuple[str, ...]) -> int:
        """0 = exact name or alias, 1 = a name inside the asked text, 2 = the asked words
        inside a name, -1 = no match."""
        if asked in self.names:
            return 0
        if any(_contains(asked, name) for name in self.names):
            return 1
        long_enough = sum(len(w) for w in asked) >= _MIN_PARTIAL
        if long_enough and any(_contains(name, asked) for name in self.names):
            return 2
        return -1


class ConstraintTable:
    """A domain's constraint entries, normalised (see the module docstring)."""

    def __init__(self, entries: list[Entry], path: Path | None = None) -> None:
        self.entries = entries
        self.path = path

    @property
    def subjects(self) -> list[str]:
        return [e.subject for e in self.entries]

    def lookup(self, subject: str) -> list[Entry]:
        """Entries that apply to ``subject``, best matches first, table order within."""
        asked = _words(subject)
        ranked = [(e.match(asked), i, e) for i, e in enumerate(self.entries)]
        return [e for rank, _, e in sorted(ranked, key=lambda r: r[:2]) if rank >= 0]

    def mentioned_in(self, text: str) -> list[Entry]:
        """Entries whose subject or alias appears as whole words in ``text`` (a procedure)."""
        words = _words(text)
        return [e for e in self.entries if any(_contains(words, n) for n in e.names)]

    def as_dict(self) -> dict[str, Any]:
        return {
            "entries": [
                {
                    "subject": e.subject,
                    "kind": e.kind,
                    "aliases": list(e.aliases),
                    "limits": [limit.as_dict() for limit in e.limits],
                }
                for e in self.entries
            ]
        }


def load_table(path: Path, conventions: UnitConventions) -> ConstraintTable:
    """Read and normalise a constraint table.

    Raises:
        DomainFileError: unreadable file, wrong shape, or a limit pint cannot convert (the
            message names the file, the subject and the parameter).
    """
    table = read_yaml_file(
        path, TableFile, f"constraint table {path}",
        lambda exc: f"invalid ({validation_problems(exc, most=3)})",
    )  # fmt: skip
    entries = []
    for row in table.entries:
        limits = []
        for lim in row.limits:
            try:
                quantity = normalise(lim.value, lim.unit, lim.quantity, conventions)
            except conversion.ConversionError as exc:
                raise DomainFileError(
                    f"constraint table {path}: {row.subject} / {lim.parameter}: {exc}"
                ) from None
            limits.append(
                Limit(row.subject, row.kind, lim.parameter, lim.relation, quantity,
                      lim.source, lim.note)
            )  # fmt: skip
        entries.append(Entry(row.subject, row.kind, tuple(row.aliases), tuple(limits)))
    return ConstraintTable(entries, path)
