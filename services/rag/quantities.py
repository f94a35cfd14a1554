"""Find number + unit spans in engineering text and normalise them to SI, with pint as the
unit authority.

A small grammar instead of quantulum3 (whose classifier does not load here and which reads
"316L" as litres): a number (sign, decimals, thousands separators, exponent or ``x10^n``)
followed by a unit expression. The unit text is accepted only when pint parses it into a
dimensioned unit and it is not an English word pint happens to know ("at", "in", "a" ...).
A single-letter unit glued to the number (``316L``, ``6061T``) is a grade or part name, not a
quantity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

_NUMBER = r"(?<![\w.\-])(?P<num>[-+\u2212]?\d{1,3}(?:,\d{3})+(?:\.\d+)?|[-+\u2212]?\d+(?:\.\d+)?)"
_EXP = r"(?:\s*(?:[eE](?P<e>[-+]?\d+)|\s?[\u00d7x]\s?10\^?(?P<x>[-+\u2212]?\d+)))?"
_UNIT_ATOM = r"(?:°[CFR]|[A-Za-zµμΩ%‰]+)(?:\^[-\u2212]?\d+(?:\.\d+)?|[-\u2212]?\d|[²³])?"
_UNIT = rf"(?P<unit>{_UNIT_ATOM}(?:\s?[·*/.]\s?{_UNIT_ATOM})*)"
QUANTITY_RE = re.compile(rf"{_NUMBER}{_EXP}(?P<gap>\s?){_UNIT}(?![\w])")

# Words pint knows as units that in prose are nearly always something else.
_NOT_UNITS = frozenset(
    "a an and at as by do for from in is it of on or per the to up us we min. no pc ft. "
    "mm. cm. year years day days point points times bit bits byte bytes".split()
)
_GLUED_SINGLE_LETTER = frozenset("LABTHSEFPRIKMNVWCGD")

# Surface forms pint does not read (or reads differently) → pint names.
_ALIASES = {
    "%": "percent",
    "‰": "permille",
    "°C": "degC",
    "°F": "degF",
    "°R": "degR",
    "µm": "micrometer",
    "μm": "micrometer",
    "psig": "psi",
    "psia": "psi",
    "barg": "bar",
    "wt%": "percent",
    "vol%": "percent",
    "rpm": "revolution/minute",
    "Nm": "N*m",
    "kNm": "kN*m",
    "cc": "cm**3",
    "kgf": "kilogram_force",
}
_OFFSET = {"degC", "degF", "degR"}

# Human names for the dimensionalities an engineer filters on, by a reference unit of each.
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
    "ratio": "percent",
}


@dataclass(frozen=True)
class Quantity:
    """One quantity found in text: where, what was written, and its SI value."""

    text: str
    start: int
    end: int
    value: float
    unit: str
    si_value: float
    si_unit: str
    kind: str

    def as_meta(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "value": self.value,
            "unit": self.unit,
            "si_value": self.si_value,
            "si_unit": self.si_unit,
            "kind": self.kind,
        }


@lru_cache(maxsize=1)
def _registry() -> Any:
    import pint  # imported here: building the registry takes ~0.5 s, not wanted at import

    return pint.UnitRegistry(autoconvert_offset_to_baseunit=False)


@lru_cache(maxsize=1)
def _kinds() -> dict[Any, str]:
    ureg = _registry()
    return {ureg.Unit(ref).dimensionality: kind for kind, ref in _KIND_UNITS.items()}


def _number(match: re.Match[str]) -> float:
    value = float(match["num"].replace(",", "").replace("\u2212", "-"))
    exponent = match["e"] or (match["x"] or "").replace("\u2212", "-")
    return value * 10 ** int(exponent) if exponent else value


def _pint_unit(text: str) -> str:
    unit = _ALIASES.get(text, text)
    unit = unit.replace("·", "*").replace("²", "**2").replace("³", "**3").replace("^", "**")
    unit = re.sub(r"(?<=[A-Za-zµμ])(-?\d)", r"**\1", unit)  # m3 → m**3, s-1 → s**-1
    return unit.replace("µ", "u").replace("μ", "u").replace("Ω", "ohm").replace("\u2212", "-")


@lru_cache(maxsize=4096)
def _parse_unit(text: str) -> tuple[str, float, float, str, str] | None:
    """(pint unit, factor, offset, SI unit, kind) for a unit text, or None if not a unit."""
    if text.lower() in _NOT_UNITS or text.rstrip(".").lower() in _NOT_UNITS:
        return None
    ureg = _registry()
    name = _pint_unit(text.rstrip("."))
    try:
        unit = ureg.Unit(name)
    except Exception:  # noqa: BLE001 - pint raises many types for "not a unit"
        return None
    if unit.dimensionless and text not in {"%", "‰", "wt%", "vol%", "ppm"}:
        return None
    if name in _OFFSET:
        base = ureg.Quantity(0.0, name).to("kelvin")
        one = ureg.Quantity(1.0, name).to("kelvin")
        return name, float(one.m - base.m), float(base.m), "K", "temperature"
    si = ureg.Quantity(1.0, unit).to_base_units()
    kind = _kinds().get(si.dimensionality, "other")
    return str(unit), float(si.m), 0.0, f"{si.units:~}", kind


def find_quantities(text: str) -> list[Quantity]:
    """Every number + unit span of ``text`` that pint accepts, in order of appearance."""
    found: list[Quantity] = []
    for match in QUANTITY_RE.finditer(text):
        unit_text = match["unit"]
        if not match["gap"] and unit_text in _GLUED_SINGLE_LETTER:
            continue
        parsed = _parse_unit(unit_text)
        if parsed is None and "/" not in unit_text and "·" not in unit_text:
            # "25 MPa at ..." is fine; "25 mm thick" matched "mm" only. Try the first word only
            # when the expression glued two words ("MPa.at").
            head = re.split(r"[·*/.]", unit_text)[0]
            parsed = _parse_unit(head) if head != unit_text else None
            unit_text = head
        if parsed is None:
            continue
        unit, factor, offset, si_unit, kind = parsed
        value = _number(match)
        end = match.start("unit") + len(unit_text)
        found.append(
            Quantity(
                text=text[match.start() : end],
                start=match.start(),
                end=end,
                value=value,
                unit=unit,
                si_value=round(value * factor + offset, 10),
                si_unit=si_unit,
                kind=kind,
            )
        )
    return found
