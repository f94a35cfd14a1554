"""Example drop-in plugin with unit-aware parameters: callers may write "50 mm" or "2 m/s",
the function receives SI values."""

from typing import Annotated

import pluggy

from services.tool_registry.quantity import Quantity

hookimpl = pluggy.HookimplMarker("aistack")
__version__ = "1.0"


def darcy_pressure_drop(
    friction_factor: float,
    length: Annotated[float, Quantity("length")],
    diameter: Annotated[float, Quantity("length")],
    density: Annotated[float, Quantity("density")],
    velocity: Annotated[float, Quantity("velocity")],
) -> dict:
    """Pressure drop of a full pipe flow by Darcy-Weisbach: Δp = f·(L/D)·ρ·v²/2.

    Args:
        friction_factor: Darcy friction factor f (dimensionless, e.g. from the Moody chart).
        length: pipe length L.
        diameter: inner diameter D.
        density: fluid density ρ.
        velocity: mean velocity v.
    """
    drop = friction_factor * (length / diameter) * density * velocity**2 / 2
    return {
        "pressure_drop": drop,
        "unit": "Pa",
        "formula": "Δp = f·(L/D)·ρ·v²/2",
        "source": "Darcy-Weisbach equation",
    }


@hookimpl
def aistack_tools():
    return [darcy_pressure_drop]
