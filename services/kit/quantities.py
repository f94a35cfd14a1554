"""Find quantities (number + unit) in text and normalise them to SI with pint.

A small grammar, not a general parser: a number, then a unit from ``units.txt`` (optionally
"square"/"cubic", a power suffix such as ``m3``/``m³``, and one ``/`` or ``per`` denominator).
pint is the authority on what each unit means and how it converts; the table decides what counts
as a unit at all, because pint alone reads ordinary words as units ("in" = inch, "at" = attotonne).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources
from typing import Any

_NUMBER = r"(?<![\w.])[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?"
_POWER_WORDS = {"square": 2, "cubic": 3}
_POWER_SUFFIX = {"2": 2, "3": 3, "²": 2, "³": 3}
# Derived SI units a base-unit result is shown in, when the dimensions match.
_PREFERRED_SI = ("pascal", "newton", "joule", "watt", "volt", "ampere", "hertz", "kelvin",
                 "meter", "kilogram", "second", "mole", "meter ** 3")  # fmt: skip


# What an engineer filters on, by a reference unit of each dimensionality.
_KIND_UNITS = {
    "pressure": "Pa",
    "temperature": "K",
    "length": "m",
    "mass": "kg",
    "time": "s",
    "energy_or_torque": "J",
    "force": "N",
    "density": "kg/m**3",
    "volume": "m**3",
    "area": "m**2",
    "velocity": "m/s",
    "acceleration": "m/s**2",
    "flow_rate": "m**3/s",
    "mass_flow": "kg/s",
    "current": "A",
    "voltage": "V",
    "resistance": "ohm",
    "power": "W",
    "frequency": "Hz",
    "concentration": "mol/m**3",
    "molar_mass": "kg/mol",
    "dynamic_viscosity": "Pa*s",
    "kinematic_viscosity": "m**2/s",
    "thermal_conductivity": "W/m/K",
    "specific_heat": "J/kg/K",
    "fracture_toughness": "Pa*m**0.5",
    "stiffness": "N/m",
}
# "2.5 x10^5", "3 \u00d7 10^-4" (a multiplication sign): a power of ten after the number.
_TIMES_TEN = r"(?:\s?[x\u00d7]\s?10\^?(?P<exp>[-+\u2212]?\d+))?"


def _sig(value: float) -> float:
    # 12 significant digits hide binary noise (7.85 g/cm³ → 7850, not 7849.999999999999).
    return float(f"{float(value):.12g}")


def load_unit_table() -> dict[str, str]:
    """The ``units.txt`` table: surface form → pint unit expression."""
    table: dict[str, str] = {}
    text = resources.files("services.kit").joinpath("units.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        form, unit = line.split("\t")
        table[form.strip()] = unit.strip()
    return table


def _alternation(forms: list[str]) -> str:
    # Longest first: regex alternation takes the first branch that matches, not the longest.
    parts = []
    for form in sorted(forms, key=len, reverse=True):
        pattern = r"\s+".join(re.escape(w) for w in form.split())
        # Forms written in lower case are words and match in any case; symbols keep theirs.
        parts.append(f"(?i:{pattern})" if form.islower() and len(form) > 3 else pattern)
    return "|".join(parts)


@dataclass(frozen=True)
class Quantity:
    text: str
    value: float
    unit: str
    si_value: float | None  # None when pint could not convert (the text still counts)
    si_unit: str | None
    start: int
    end: int
    kind: str = "other"  # pressure, temperature, density ... (see _KIND_UNITS)

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "value": self.value,
            "unit": self.unit,
            "si_value": self.si_value,
            "si_unit": self.si_unit,
            "kind": self.kind,
        }


class QuantityFinder:
    """Finds quantities in text. Build once (pint's registry takes ~0.5 s), then call ``run``."""

    def __init__(self, table: dict[str, str] | None = None) -> None:
        self.table = table if table is not None else load_unit_table()
        self._lower = {f.lower(): u for f, u in self.table.items() if f.islower()}
        unit = rf"(?:(?:square|cubic)\s+)?(?:{_alternation(list(self.table))})[23²³]?"
        expr = rf"{unit}(?:\s*/\s*{unit}|\s+per\s+{unit})?"
        # A unit expression on its own (kg/m³, metres per second): for callers that look for
        # units without a number, such as "answer in ksi".
        self.unit_expression = expr
        self._quantity = re.compile(rf"(?P<num>{_NUMBER}){_TIMES_TEN}\s?(?P<unit>{expr})(?![\w°%])")
        words = [f for f in self.table if f.islower() and len(f) > 3]
        self._bare_unit = re.compile(rf"(?<!\w)(?:{_alternation(words)})(?!\w)")
        # pint conversions are pure and cost tens of microseconds; the same values and units
        # recur across prompts and answers.
        self._to_si_cached = lru_cache(maxsize=8192)(self._convert)

    @cached_property
    def registry(self) -> Any:
        # Imported here: importing the service must not build pint's registry.
        import pint

        return pint.UnitRegistry()

    @cached_property
    def _kinds(self) -> dict[Any, str]:
        ureg = self.registry
        return {ureg.parse_units(ref).dimensionality: k for k, ref in _KIND_UNITS.items()}

    def kind(self, unit: str) -> str:
        """The quantity kind of a pint unit expression ("other" when unnamed)."""
        try:
            units = self.registry.parse_units(unit.replace("(", "").replace(")", ""))
        except (TypeError, ValueError, AttributeError, KeyError):
            return "other"
        return self._kinds.get(units.dimensionality, "other")

    def _unit_part(self, part: str) -> str:
        part = part.strip()
        power = 1
        words = part.split(None, 1)
        if len(words) == 2 and words[0].lower() in _POWER_WORDS:
            power, part = _POWER_WORDS[words[0].lower()], words[1]
        if part and part[-1] in _POWER_SUFFIX and part not in self.table:
            power, part = _POWER_SUFFIX[part[-1]], part[:-1]
        base = " ".join(part.split())
        unit = self.table.get(base) or self._lower[base.lower()]
        return f"({unit}) ** {power}" if power != 1 else f"({unit})"

    def pint_unit(self, unit_text: str) -> str:
        """pint expression for a matched unit text such as ``kg/m³`` or ``metres per second``."""
        whole = " ".join(unit_text.split())
        # Whole forms first: "revolutions per minute" is one table entry, not a ratio.
        if whole in self.table:
            return self.table[whole]
        if whole.lower() in self._lower:
            return self._lower[whole.lower()]
        parts = re.split(r"\s*/\s*|\s+per\s+", unit_text, maxsplit=1)
        expr = self._unit_part(parts[0])
        return f"{expr} / {self._unit_part(parts[1])}" if len(parts) == 2 else expr

    def _si_name(self, expr: str) -> str:
        """The SI unit to show ``expr`` in: a coherent derived unit when one fits, else base."""
        ureg = self.registry
        # Same dimensions, different quantity kinds: torque is not energy, rotation not frequency.
        if "newton" in expr and "meter" in expr:
            return "newton * meter"
        if "revolution" in expr:
            return "radian / second"
        units = ureg.parse_units(expr.replace("(", "").replace(")", ""))
        dims = (1 * units).dimensionality
        if not dims:
            return ""
        for name in _PREFERRED_SI:
            if (1 * ureg.parse_units(name)).dimensionality == dims:
                return name
        return str((1 * units).to_base_units().units)

    def to_si(self, value: float, unit: str) -> tuple[float, str]:
        """Convert ``value`` ``unit`` to SI (cached); see :meth:`_convert`."""
        return self._to_si_cached(value, unit)

    def _convert(self, value: float, unit: str) -> tuple[float, str]:
        """Convert ``value`` ``unit`` to SI; a ratio converts each side (J/g → J/kg).

        Raises:
            pint.errors.PintError: pint cannot convert (the caller keeps the quantity unconverted).
        """
        ureg = self.registry
        numerator, _, denominator = unit.partition(" / ")
        if "revolution" in unit:
            numerator, denominator = unit, ""
        if denominator:
            # A rate of an offset unit (°C per minute) is a rate of temperature *differences*.
            numerator = numerator.replace("degC", "delta_degC").replace("degF", "delta_degF")
            top = self._si_name(numerator) or "1"
            target = f"({top}) / ({self._si_name(denominator) or '1'})"
            q = ureg.Quantity(value, ureg.parse_units(f"({numerator}) / ({denominator})"))
        else:
            target = self._si_name(unit) or "dimensionless"
            # Offset units (°C, °F) must be built from (value, unit), not parsed from one string.
            q = ureg.Quantity(value, ureg.parse_units(unit.replace("(", "").replace(")", "")))
        converted = q.to(ureg.parse_units(target))
        if converted.dimensionless:
            return _sig(converted.magnitude), "1"
        # pint orders factors alphabetically ("m·N"); engineers write torque as N·m.
        symbol = f"{converted.units:~P}".replace("m·N", "N·m")
        return _sig(converted.magnitude), symbol

    def run(self, text: str) -> list[Quantity]:
        """Every quantity in ``text``, in order."""
        found = []
        for match in self._quantity.finditer(text):
            # A single-letter unit glued to its number is a designation (316L steel, 4K video).
            if (
                len(match["unit"]) == 1
                and match["unit"].isalpha()
                and match.end("num") == match.start("unit")
            ):
                continue
            value = float(match["num"].replace(",", ""))
            if match["exp"]:
                value *= 10 ** int(match["exp"].replace("\u2212", "-"))
            unit = self.pint_unit(match["unit"])
            si_value: float | None
            si_unit: str | None
            try:
                si_value, si_unit = self.to_si(value, unit)
            # pint's errors derive from these; one odd unit must not fail a transcription.
            except (TypeError, ValueError, AttributeError, KeyError):
                si_value, si_unit = None, None
            found.append(
                Quantity(
                    text=match.group(0),
                    value=value,
                    unit=unit.replace("(", "").replace(")", ""),
                    si_value=si_value,
                    si_unit=si_unit,
                    start=match.start(),
                    end=match.end(),
                    kind=self.kind(unit),
                )
            )
        return found

    def bare_units(self, text: str, quantities: list[Quantity]) -> int:
        """How many unit words appear outside ``quantities`` (e.g. "measured in megapascals")."""
        for q in quantities:
            text = text[: q.start] + " " * (q.end - q.start) + text[q.end :]
        return len(self._bare_unit.findall(text))
