"""Built-in plugin: the ideal gas law, solved for whichever of p, V, n, T is missing."""

from __future__ import annotations

from typing import Annotated, Any

import pluggy

from services.tool_registry.quantity import Quantity

hookimpl = pluggy.HookimplMarker("aistack")

# Exact since the 2019 SI redefinition: R = N_A · k.
GAS_CONSTANT = 6.02214076e23 * 1.380649e-23  # J/(mol·K)
_UNITS = {"pressure": "Pa", "volume": "m³", "amount": "mol", "temperature": "K"}


def ideal_gas(
    pressure: Annotated[float, Quantity("pressure")] | None = None,
    volume: Annotated[float, Quantity("volume")] | None = None,
    amount: Annotated[float, Quantity("amount")] | None = None,
    temperature: Annotated[float, Quantity("temperature")] | None = None,
) -> dict[str, Any]:
    """Ideal gas law p·V = n·R·T: give exactly three of pressure, volume, amount of substance
    and temperature (absolute); get the fourth.

    Args:
        pressure: absolute pressure p.
        volume: volume V.
        amount: amount of substance n (moles).
        temperature: absolute temperature T.
    """
    given = {"pressure": pressure, "volume": volume, "amount": amount, "temperature": temperature}
    missing = [name for name, value in given.items() if value is None]
    if len(missing) != 1:
        raise ValueError("give exactly three of pressure, volume, amount, temperature")
    for name, value in given.items():
        if value is not None and value <= 0:
            raise ValueError(f"{name} must be positive (absolute values)")
    r = GAS_CONSTANT
    p, v, n, t = pressure, volume, amount, temperature
    solved = missing[0]
    if solved == "pressure":
        value = n * r * t / v  # type: ignore[operator]
    elif solved == "volume":
        value = n * r * t / p  # type: ignore[operator]
    elif solved == "amount":
        value = p * v / (r * t)  # type: ignore[operator]
    else:
        value = p * v / (n * r)  # type: ignore[operator]
    return {
        "solved_for": solved,
        "value": float(f"{value:.12g}"),
        "unit": _UNITS[solved],
        "inputs_si": {k: v for k, v in given.items() if v is not None},
        "formula": "p·V = n·R·T",
        "gas_constant": {"value": r, "unit": "J/(mol·K)"},
        "source": "ideal gas law; R = N_A·k, exact in the 2019 SI (CODATA 2018)",
    }


@hookimpl
def aistack_tools() -> list[Any]:
    return [ideal_gas]
