"""A domain's unit conventions, and quantities normalised to SI and shown in them.

Conventions map a quantity kind to the unit the domain's engineers read values in, e.g. for
materials ``{"stress": "MPa", "temperature": "K"}``. Kind names are the kit's
(:data:`services.kit.conversion.KINDS`, with aliases: ``stress`` and ``pressure`` are the same
dimension but may have their own units). pint, through :mod:`services.kit.conversion`, does
every conversion.

    conventions = UnitConventions({"temperature": "K"})
    normalise(850, "°F", None, conventions)
      -> Normalised(value=850, unit="°F", kind="temperature", si_value=727.594444444,
                    si_unit="K", domain_value=727.594444444, domain_unit="K")
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.kit import conversion

# SI units to show where the kit's reference unit is right in dimension but not in kind.
_SI_SHOWN = {"energy_or_torque": "J", "angle": "rad", "dimensionless": "1"}
_TORQUE_NAMES = {"torque"}


@dataclass(frozen=True)
class Normalised:
    """A value as its source states it, in SI, and in the domain's convention (if any)."""

    value: float
    unit: str
    kind: str
    si_value: float
    si_unit: str
    domain_value: float | None
    domain_unit: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "unit": self.unit,
            "quantity_kind": self.kind,
            "si_value": self.si_value,
            "si_unit": self.si_unit,
            "domain_value": self.domain_value,
            "domain_unit": self.domain_unit,
        }


class UnitConventions:
    """Quantity kind (or alias) → unit.

    Raises:
        ValueError: an unknown kind, an unknown unit, or a unit of another dimension.
    """

    def __init__(self, units: dict[str, str]) -> None:
        self.units: dict[str, str] = {}
        for name, unit in units.items():
            kind = conversion.normalize_kind(name)
            try:
                conversion.to_si({"value": 1, "unit": unit}, kind)
            except conversion.ConversionError as exc:
                raise ValueError(f"units.{name}: {exc}") from None
            self.units[name.strip().lower()] = unit

    def unit_for(self, name: str) -> str | None:
        """The convention for ``name`` (an alias such as ``stress`` first, then its kind)."""
        key = name.strip().lower()
        if key in self.units:
            return self.units[key]
        kind = conversion.normalize_kind(key)
        for declared, unit in self.units.items():
            if conversion.normalize_kind(declared) == kind:
                return unit
        return None

    def describe(self) -> list[str]:
        """``["stress in MPa", "temperature in K"]``, in the file's order."""
        return [f"{name.replace('_', ' ')} in {unit}" for name, unit in self.units.items()]


def _label(value: float) -> float:
    # Whole numbers stay whole in JSON (250, not 250.0 ppm); others keep 12 significant digits.
    return int(value) if float(value).is_integer() else value


def normalise(
    value: float, unit: str, quantity: str | None, conventions: UnitConventions
) -> Normalised:
    """``value`` ``unit`` with its SI value and its value in the domain's convention.

    Args:
        quantity: the kind (or alias) the value is, where the unit alone is ambiguous (a
            stress vs a pressure, a temperature difference vs a temperature); derived from the
            unit when None.

    Raises:
        ConversionError: an unknown unit, or a unit that is not of ``quantity``'s dimension.
    """
    source = {"value": value, "unit": unit} if unit else value
    if quantity is not None:
        kind = conversion.normalize_kind(quantity)
    else:
        kind = conversion.kind_of(conversion.parse_quantity(source))
    if kind == "other":
        raise conversion.ConversionError(f"{value} {unit}: not a quantity kind the kit knows")
    si_value = conversion.to_si(source, kind)
    si_unit = (
        "N·m" if quantity in _TORQUE_NAMES else _SI_SHOWN.get(kind) or conversion.si_unit(kind)
    )
    domain_unit = conventions.unit_for(quantity or kind) if kind != "dimensionless" else None
    domain_value = None
    if domain_unit is not None:
        domain_value = conversion.convert(source, domain_unit)["value"]
    return Normalised(
        value=_label(value),
        unit=unit,
        kind=quantity.strip().lower() if quantity else kind,
        si_value=_label(si_value),
        si_unit=si_unit,
        domain_value=None if domain_value is None else _label(domain_value),
        domain_unit=domain_unit,
    )
