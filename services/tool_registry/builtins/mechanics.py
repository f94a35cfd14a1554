"""Built-in plugin: axial stress and strain, and the stresses of a cylindrical pressure vessel."""

from __future__ import annotations

from typing import Annotated, Any

import pluggy

from services.tool_registry.quantity import Quantity

hookimpl = pluggy.HookimplMarker("aistack")

# Thin-wall theory holds for walls up to a twentieth of the diameter (r/t ≥ 10).
THIN_WALL_RATIO = 0.05


def _sig(value: float) -> float:
    return float(f"{value:.12g}")


def axial_stress_strain(
    force: Annotated[float, Quantity("force")],
    area: Annotated[float, Quantity("area")],
    youngs_modulus: Annotated[float, Quantity("modulus")] | None = None,
    length: Annotated[float, Quantity("length")] | None = None,
) -> dict[str, Any]:
    """Axial (normal) stress σ = F/A of a bar in tension or compression; with Young's modulus
    also the strain ε = σ/E (linear elastic, below yield), and with the length the elongation
    δ = ε·L.

    Args:
        force: axial force F (positive in tension).
        area: cross-sectional area A.
        youngs_modulus: Young's modulus E of the material.
        length: original length L of the bar.
    """
    if area <= 0:
        raise ValueError("area must be positive")
    stress = force / area
    result: dict[str, Any] = {"stress": _sig(stress), "stress_unit": "Pa"}
    formulas = ["σ = F/A"]
    if youngs_modulus is not None:
        if youngs_modulus <= 0:
            raise ValueError("youngs_modulus must be positive")
        strain = stress / youngs_modulus
        result["strain"] = _sig(strain)
        formulas.append("ε = σ/E")
        if length is not None:
            result["elongation"] = _sig(strain * length)
            result["elongation_unit"] = "m"
            formulas.append("δ = ε·L")
    result["formulas"] = formulas
    result["source"] = "uniaxial stress and Hooke's law (linear elastic), e.g. Gere & Goodno, "
    result["source"] += "Mechanics of Materials, ch. 1-2"
    return result


def hoop_stress(
    pressure: Annotated[float, Quantity("pressure")],
    diameter: Annotated[float, Quantity("length")],
    wall_thickness: Annotated[float, Quantity("length")],
) -> dict[str, Any]:
    """Hoop (circumferential) and longitudinal stress in a closed cylindrical pressure vessel
    under internal pressure: thin-wall σ_h = p·D/(2t), σ_l = p·D/(4t), and Lamé's thick-wall
    values at the inner surface (which govern when t > D/20).

    Args:
        pressure: internal (gauge) pressure p.
        diameter: inner diameter D.
        wall_thickness: wall thickness t.
    """
    if diameter <= 0 or wall_thickness <= 0:
        raise ValueError("diameter and wall_thickness must be positive")
    thin_hoop = pressure * diameter / (2 * wall_thickness)
    thin_long = pressure * diameter / (4 * wall_thickness)
    inner = diameter / 2
    outer = inner + wall_thickness
    span = outer**2 - inner**2
    lame_hoop = pressure * (outer**2 + inner**2) / span
    lame_long = pressure * inner**2 / span
    thin_ok = wall_thickness / diameter <= THIN_WALL_RATIO
    return {
        "hoop_stress": _sig(thin_hoop if thin_ok else lame_hoop),
        "longitudinal_stress": _sig(thin_long if thin_ok else lame_long),
        "unit": "Pa",
        "method": "thin-wall" if thin_ok else "Lamé thick-wall (inner surface)",
        "thin_wall_valid": thin_ok,
        "thin_wall": {"hoop": _sig(thin_hoop), "longitudinal": _sig(thin_long)},
        "lame_inner_surface": {"hoop": _sig(lame_hoop), "longitudinal": _sig(lame_long)},
        "formulas": [
            "σ_h = p·D/(2t)",
            "σ_l = p·D/(4t)",
            "Lamé: σ_h = p·(ro²+ri²)/(ro²−ri²), σ_l = p·ri²/(ro²−ri²)",
        ],
        "source": "membrane (thin-wall) theory and Lamé's thick-cylinder equations, e.g. "
        "Roark's Formulas for Stress and Strain, ch. 13",
    }


@hookimpl
def aistack_tools() -> list[Any]:
    return [axial_stress_strain, hoop_stress]
