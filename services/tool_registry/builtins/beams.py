"""Built-in plugin: elastic deflection of cantilever and simply supported beams."""

from __future__ import annotations

from typing import Annotated, Any

import pluggy

from services.tool_registry.quantity import Quantity

hookimpl = pluggy.HookimplMarker("aistack")

SOURCE = (
    "Euler-Bernoulli beam theory, standard cases (e.g. Gere & Goodno, Mechanics of "
    "Materials, Appendix: deflections and slopes of beams)"
)

Length = Annotated[float, Quantity("length")]
Modulus = Annotated[float, Quantity("modulus")]
Inertia = Annotated[float, Quantity("second_moment_of_area")]
Force = Annotated[float, Quantity("force")]
LineLoad = Annotated[float, Quantity("force_per_length")]


def _check(length: float, modulus: float, inertia: float, point: float, line: float) -> float:
    if length <= 0 or modulus <= 0 or inertia <= 0:
        raise ValueError("length, youngs_modulus and second_moment_of_area must be positive")
    if point == 0 and line == 0:
        raise ValueError("give a point_load, a distributed_load, or both")
    return modulus * inertia


def _sig(value: float) -> float:
    return float(f"{value:.12g}")


def cantilever_deflection(
    length: Length,
    youngs_modulus: Modulus,
    second_moment_of_area: Inertia,
    point_load: Force = 0.0,
    distributed_load: LineLoad = 0.0,
) -> dict[str, Any]:
    """Tip deflection, tip slope and root bending moment of a cantilever (fixed at one end)
    carrying a point load at its free end and/or a uniformly distributed load:
    δ = P·L³/(3EI) + w·L⁴/(8EI).

    Args:
        length: span L from the fixed end to the free end.
        youngs_modulus: Young's modulus E.
        second_moment_of_area: second moment of area I of the cross-section.
        point_load: load P at the free end.
        distributed_load: load w per unit length along the whole span.
    """
    ei = _check(length, youngs_modulus, second_moment_of_area, point_load, distributed_load)
    p, w, n = point_load, distributed_load, length
    return {
        "max_deflection": _sig(p * n**3 / (3 * ei) + w * n**4 / (8 * ei)),
        "deflection_unit": "m",
        "tip_slope_rad": _sig(p * n**2 / (2 * ei) + w * n**3 / (6 * ei)),
        "max_bending_moment": _sig(p * n + w * n**2 / 2),
        "moment_unit": "N·m",
        "location": "free end (deflection), fixed end (moment)",
        "formulas": [
            "δ = P·L³/(3EI) + w·L⁴/(8EI)",
            "θ = P·L²/(2EI) + w·L³/(6EI)",
            "M = P·L + w·L²/2",
        ],
        "source": SOURCE,
    }


def simply_supported_deflection(
    length: Length,
    youngs_modulus: Modulus,
    second_moment_of_area: Inertia,
    point_load: Force = 0.0,
    distributed_load: LineLoad = 0.0,
) -> dict[str, Any]:
    """Midspan deflection, end slope and maximum bending moment of a simply supported beam
    carrying a point load at midspan and/or a uniformly distributed load:
    δ = P·L³/(48EI) + 5·w·L⁴/(384EI).

    Args:
        length: span L between the supports.
        youngs_modulus: Young's modulus E.
        second_moment_of_area: second moment of area I of the cross-section.
        point_load: load P at midspan.
        distributed_load: load w per unit length along the whole span.
    """
    ei = _check(length, youngs_modulus, second_moment_of_area, point_load, distributed_load)
    p, w, n = point_load, distributed_load, length
    return {
        "max_deflection": _sig(p * n**3 / (48 * ei) + 5 * w * n**4 / (384 * ei)),
        "deflection_unit": "m",
        "end_slope_rad": _sig(p * n**2 / (16 * ei) + w * n**3 / (24 * ei)),
        "max_bending_moment": _sig(p * n / 4 + w * n**2 / 8),
        "moment_unit": "N·m",
        "location": "midspan",
        "formulas": [
            "δ = P·L³/(48EI) + 5·w·L⁴/(384EI)",
            "θ = P·L²/(16EI) + w·L³/(24EI)",
            "M = P·L/4 + w·L²/8",
        ],
        "source": SOURCE,
    }


@hookimpl
def aistack_tools() -> list[Any]:
    return [cantilever_deflection, simply_supported_deflection]
