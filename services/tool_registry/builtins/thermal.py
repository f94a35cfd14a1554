"""Built-in plugin: linear thermal expansion."""

from __future__ import annotations

from typing import Annotated, Any

import pluggy

from services.tool_registry.builtins.materials import lookup
from services.tool_registry.quantity import Quantity

hookimpl = pluggy.HookimplMarker("aistack")


def thermal_expansion(
    length: Annotated[float, Quantity("length")],
    t_initial: Annotated[float, Quantity("temperature")],
    t_final: Annotated[float, Quantity("temperature")],
    coefficient: Annotated[float, Quantity("thermal_expansion")] | None = None,
    material: str | None = None,
) -> dict[str, Any]:
    """Linear thermal expansion ΔL = α·L·(T_final − T_initial) of a part heated or cooled
    between two temperatures, using a given coefficient α or that of a material from the
    material_property table (e.g. "316L").

    Args:
        length: length L at the initial temperature.
        t_initial: initial temperature, e.g. "20 degC".
        t_final: final temperature, e.g. "300 degC".
        coefficient: mean linear expansion coefficient α over the range.
        material: a material name instead of the coefficient (its room-temperature mean α).
    """
    if (coefficient is None) == (material is None):
        raise ValueError("give either coefficient or material")
    source = "linear thermal expansion, ΔL = α·L·ΔT (mean coefficient over the range)"
    if material is not None:
        row = lookup(material)
        coefficient = row["properties"]["thermal_expansion"]["value"]
        source += f"; α of {row['name']} from {row['source']}"
    assert coefficient is not None
    delta_t = t_final - t_initial
    change = coefficient * length * delta_t
    return {
        "length_change": float(f"{change:.12g}"),
        "final_length": float(f"{length + change:.12g}"),
        "unit": "m",
        "strain": float(f"{coefficient * delta_t:.12g}"),
        "coefficient": coefficient,
        "temperature_change_k": float(f"{delta_t:.12g}"),
        "formula": "ΔL = α·L·(T_final − T_initial)",
        "source": source,
    }


@hookimpl
def aistack_tools() -> list[Any]:
    return [thermal_expansion]
