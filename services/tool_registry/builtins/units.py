"""Built-in plugin: unit conversion (pint, through the kit's conversion module)."""

from __future__ import annotations

from typing import Any

import pluggy
from typing_extensions import TypedDict

from services.kit import conversion

hookimpl = pluggy.HookimplMarker("aistack")


class QuantityValue(TypedDict):
    value: float
    unit: str


def convert_units(quantity: str | QuantityValue, to: str) -> dict[str, Any]:
    """Convert a physical quantity to another unit, e.g. "300 degF" to "K" or "3 bar" to "psi".

    Returns the converted value and unit, the value in SI and the kind of quantity.

    Args:
        quantity: the value with its unit, as text ("300 degF", "3 bar", "7.9 g/cm^3",
            "12 µm/(m·K)") or as {"value": 300, "unit": "degF"}.
        to: the unit to convert to ("K", "psi", "kg/m^3", "degC").
    """
    try:
        result = conversion.convert(dict(quantity) if isinstance(quantity, dict) else quantity, to)
    except conversion.ConversionError as exc:
        raise ValueError(str(exc)) from None
    result["source"] = "pint's unit definitions (services.kit.conversion)"
    return result


@hookimpl
def aistack_tools() -> list[Any]:
    return [convert_units]
