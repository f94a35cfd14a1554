"""Built-in plugin: fluid mechanics (Reynolds number and flow regime)."""

from __future__ import annotations

from typing import Annotated, Any

import pluggy

from services.tool_registry.quantity import Quantity

hookimpl = pluggy.HookimplMarker("aistack")

# Pipe-flow regime bounds used in engineering practice.
LAMINAR_BELOW = 2300.0
TURBULENT_ABOVE = 4000.0


def reynolds_regime(
    density: Annotated[float, Quantity("density")],
    velocity: Annotated[float, Quantity("velocity")],
    length: Annotated[float, Quantity("length")],
    viscosity: Annotated[float, Quantity("dynamic_viscosity")],
) -> dict[str, Any]:
    """Reynolds number Re = ρ·v·L/μ of a flow, with its regime for flow in a circular pipe.

    Args:
        density: fluid density ρ.
        velocity: mean flow velocity v.
        length: characteristic length L (for a pipe, its inner diameter).
        viscosity: dynamic viscosity μ.
    """
    if density <= 0 or length <= 0 or viscosity <= 0:
        raise ValueError("density, length and viscosity must be positive")
    re = density * abs(velocity) * length / viscosity
    if re < LAMINAR_BELOW:
        regime = "laminar"
    elif re <= TURBULENT_ABOVE:
        regime = "transitional"
    else:
        regime = "turbulent"
    return {
        "reynolds_number": float(f"{re:.12g}"),
        "regime": regime,
        "inputs_si": {
            "density_kg_m3": density,
            "velocity_m_s": velocity,
            "length_m": length,
            "viscosity_pa_s": viscosity,
        },
        "formula": "Re = ρ·v·L/μ",
        "source": "definition of the Reynolds number; pipe-flow regimes: laminar below 2300, "
        "turbulent above 4000 (e.g. Çengel & Cimbala, Fluid Mechanics, ch. 8)",
    }


@hookimpl
def aistack_tools() -> list[Any]:
    return [reynolds_regime]
