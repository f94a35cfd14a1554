"""Unit conversion for tools: read a quantity as a caller writes it, check its kind, convert.

A quantity arrives as a number (already SI), a string with a unit (``"3 bar"``, ``"300 degF"``,
``"12 µm/(m·K)"``) or an object ``{"value": 3, "unit": "bar"}``. pint is the authority on units;
the kit's ``units.txt`` table (:class:`~services.kit.quantities.QuantityFinder`) is tried first
for the surface forms engineers write (``ksi``, ``°F``, ``kg/m³``). Offset units (°C, °F) are
built as ``Quantity(value, unit)``, never parsed from one string (pint refuses "300 °F").

    parse_quantity("3 bar")                 -> <Quantity(3, 'bar')>
    to_si("3 bar", "pressure")              -> 300000.0
    to_si("3 m", "pressure")                -> ConversionError: expected a pressure, got a length
    convert("300 degF", "K")                -> {"input": "300 degF", "value": 422.038888889,
                                                "unit": "K", "si_value": ..., "si_unit": "K",
                                                "kind": "temperature"}

Kinds are the kit's quantity kinds (``pressure``, ``length``, ``density`` ...) plus a few that
calculators need (``thermal_expansion``, ``second_moment_of_area``, ``temperature_difference``)
and aliases (``stress`` and ``modulus`` are pressures). The pint registry is built once, on first
use (about half a second), and shared with the kit's quantity finder.

Errors: :class:`ConversionError` (a ``ValueError``) with a message for the caller to act on.
"""

from __future__ import annotations

import math
import re
import tokenize
from functools import lru_cache
from typing import Any

from services.kit.quantities import _KIND_UNITS, QuantityFinder

# Kinds calculators need beyond the kit's table, as pint reference units (SI).
_EXTRA_KINDS = {
    "thermal_expansion": "1/K",
    "second_moment_of_area": "m**4",
    "force_per_length": "N/m",
    "molar_volume": "m**3/mol",
    "amount": "mol",
    "angle": "rad",
    "dimensionless": "dimensionless",
    # A temperature *change*: 10 °C of change is 10 K, not 283.15 K.
    "temperature_difference": "K",
}
_ALIASES = {
    "stress": "pressure",
    "modulus": "pressure",
    "energy": "energy_or_torque",
    "torque": "energy_or_torque",
    "speed": "velocity",
    "viscosity": "dynamic_viscosity",
    "strain": "dimensionless",
    "ratio": "dimensionless",
}
KINDS: dict[str, str] = {**_KIND_UNITS, **_EXTRA_KINDS}

_NUMBER = re.compile(r"^\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")
_OFFSET_TO_DELTA = {
    "degree_Celsius": "delta_degree_Celsius",
    "degree_Fahrenheit": "delta_degree_Fahrenheit",
}


class ConversionError(ValueError):
    """A quantity could not be read, is of the wrong kind, or cannot be converted."""


@lru_cache(maxsize=1)
def finder() -> QuantityFinder:
    """The shared quantity finder; its pint registry is built on first use."""
    return QuantityFinder()


def _ureg() -> Any:
    return finder().registry


def normalize_kind(kind: str) -> str:
    """The canonical name of a quantity kind (aliases resolved).

    Raises:
        ConversionError: an unknown kind (the message lists the known ones).
    """
    name = _ALIASES.get(kind.strip().lower(), kind.strip().lower())
    if name not in KINDS:
        known = ", ".join(sorted({*KINDS, *_ALIASES}))
        raise ConversionError(f"unknown quantity kind {kind!r}; known kinds: {known}")
    return name


def si_unit(kind: str) -> str:
    """The SI unit symbol values of ``kind`` are expressed in (``Pa``, ``kg/m³``, ``1/K``)."""
    unit = _ureg().parse_units(KINDS[normalize_kind(kind)])
    return _symbol(unit)


def _symbol(unit: Any) -> str:
    text = f"{unit:~P}"
    if not text:
        return "1"
    # pint writes reciprocals as "1/K"; torque as "m·N".
    return text.replace("m·N", "N·m")


def parse_unit(text: str) -> Any:
    """A pint unit from an engineer's spelling (table first, then pint's own parser).

    Raises:
        ConversionError: pint does not know the unit.
    """
    text = " ".join(str(text).split())
    if not text:
        raise ConversionError("empty unit")
    ureg = _ureg()
    candidates = []
    try:
        candidates.append(finder().pint_unit(text))
    except (KeyError, IndexError):
        pass
    candidates += [text, text.replace("\u00b7", "*").replace("\u00d7", "*")]
    for candidate in candidates:
        for form in (candidate, candidate.replace("(", "").replace(")", "")):
            try:
                return ureg.parse_units(form)
            # pint's errors derive from these (UndefinedUnitError is an AttributeError); its
            # parser is Python's tokenizer, which raises TokenError on unbalanced brackets
            # ("m)"), and it evaluates what it reads ("1/0" is a ZeroDivisionError).
            except (
                ValueError,
                AttributeError,
                KeyError,
                TypeError,
                AssertionError,
                ArithmeticError,
                SyntaxError,
                RecursionError,
                tokenize.TokenError,
            ):
                continue
    raise ConversionError(f"unknown unit {text!r}")


def parse_quantity(value: float | int | str | dict[str, Any]) -> Any:
    """A pint quantity from a number (dimensionless), ``"3 bar"`` or ``{"value", "unit"}``.

    Raises:
        ConversionError: the value is not a number, a "<number> <unit>" string or such an object.
    """
    ureg = _ureg()
    if isinstance(value, bool):
        raise ConversionError("expected a number or a quantity, got a boolean")
    if isinstance(value, int | float):
        return ureg.Quantity(_finite(float(value)), ureg.dimensionless)
    if isinstance(value, dict):
        if set(value) != {"value", "unit"}:
            raise ConversionError('a quantity object has exactly the keys "value" and "unit"')
        number, unit = value["value"], value["unit"]
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise ConversionError('"value" must be a number')
        if not isinstance(unit, str):
            raise ConversionError('"unit" must be a string')
        return ureg.Quantity(_finite(float(number)), parse_unit(unit) if unit.strip() else "")
    if isinstance(value, str):
        match = _NUMBER.match(value.replace(",", "").replace("\u2212", "-"))
        if match is None:
            raise ConversionError(
                f"cannot read {value!r} as a quantity: write a number and a unit, e.g. '3 bar'"
            )
        number, unit = float(match.group(1)), match.group(2)
        return ureg.Quantity(_finite(number), parse_unit(unit) if unit else ureg.dimensionless)
    raise ConversionError(f"expected a number or a quantity, got {type(value).__name__}")


def _finite(number: float) -> float:
    if not math.isfinite(number):
        raise ConversionError("the value must be a finite number")
    return number


def kind_of(quantity: Any) -> str:
    """The kind of a pint quantity ("a length"); "dimensionless" or "other" when unnamed."""
    if quantity.dimensionless:
        return "dimensionless"
    dims = quantity.dimensionality
    for name, ref in KINDS.items():
        if name != "temperature_difference" and _ureg().parse_units(ref).dimensionality == dims:
            return name
    return "other"


def _describe(kind: str) -> str:
    label = kind.replace("_", " ")
    return f"an {label}" if label[0] in "aeiou" else f"a {label}"


def _as_delta(quantity: Any) -> Any:
    """A temperature read as a change: 10 °C of change is 10 K."""
    ureg = _ureg()
    name = str(quantity.units)
    if name in _OFFSET_TO_DELTA:
        return ureg.Quantity(quantity.magnitude, _OFFSET_TO_DELTA[name])
    return quantity


def to_si(value: float | int | str | dict[str, Any], kind: str) -> float:
    """The SI magnitude of ``value`` as a ``kind`` (a bare number is taken as already SI).

    Raises:
        ConversionError: unreadable, or of another kind ("expected a pressure, got a length").
    """
    name = normalize_kind(kind)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _finite(float(value))  # already SI: no pint on the common path
    ureg = _ureg()
    reference = ureg.parse_units(KINDS[name])
    quantity = parse_quantity(value)
    if quantity.dimensionless and str(quantity.units) in ("", "dimensionless"):
        # A bare number: already in the kind's SI unit.
        return float(quantity.magnitude)
    if name == "temperature_difference":
        quantity = _as_delta(quantity)
    if quantity.dimensionality != (1 * reference).dimensionality:
        got = kind_of(quantity)
        got_text = _describe(got) if got != "other" else f"a quantity in {quantity.units:~P}"
        raise ConversionError(
            f"expected {_describe(name)} (SI unit {_symbol(reference)}), got {got_text} "
            f"({_show(value)})"
        )
    return _sig(quantity.to(reference).magnitude)


def _show(value: object) -> str:
    if isinstance(value, dict):
        return f"{value.get('value')} {value.get('unit')}"
    return str(value)


def _sig(number: float) -> float:
    # 12 significant digits hide binary noise (3 bar → 300000.0, not 299999.99999999994).
    return float(f"{float(number):.12g}")


def convert(quantity: str | float | dict[str, Any], to: str) -> dict[str, Any]:
    """Convert ``quantity`` into the unit ``to``; also give its SI value.

    Returns:
        ``{"input", "value", "unit", "si_value", "si_unit", "kind"}``.

    Raises:
        ConversionError: unreadable input or unit, or dimensions that do not match.
    """
    source = parse_quantity(quantity)
    target = parse_unit(to)
    ureg = _ureg()
    if source.dimensionality != (1 * target).dimensionality:
        have, want = kind_of(source), kind_of(ureg.Quantity(1, target))
        raise ConversionError(
            f"cannot convert {_show(quantity)} ({_describe(have)}) to {to} ({_describe(want)})"
        )
    kind = kind_of(source)
    reference = ureg.parse_units(KINDS[kind]) if kind in KINDS else None
    si = source.to(reference) if reference is not None else source.to_base_units()
    return {
        "input": _show(quantity),
        "value": _sig(source.to(target).magnitude),
        "unit": to.strip(),
        "si_value": _sig(si.magnitude),
        "si_unit": _symbol(si.units),
        "kind": kind,
    }
