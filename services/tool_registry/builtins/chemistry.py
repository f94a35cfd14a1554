"""Built-in plugin: molar mass of a chemical formula (molmass)."""

from __future__ import annotations

from typing import Any

import pluggy

hookimpl = pluggy.HookimplMarker("aistack")


def molar_mass(formula: str) -> dict[str, Any]:
    """Molar mass of a chemical formula (average, from standard atomic weights), with its
    elemental composition. Formulas may use groups, hydrates and charges: "H2O",
    "Ca(OH)2", "CuSO4.5H2O", "(CH3)2CO", "SO4-2".

    Args:
        formula: the chemical formula.
    """
    from molmass import Formula, FormulaError

    try:
        parsed = Formula(formula)
        mass = parsed.mass
        composition = parsed.composition()
    except FormulaError as exc:
        raise ValueError(f"cannot read the formula {formula!r}: {exc}".replace("\n", " ")) from None
    return {
        "formula": parsed.formula,
        "empirical_formula": parsed.empirical,
        "molar_mass": float(f"{mass:.10g}"),
        "unit": "g/mol",
        "si_value": float(f"{mass / 1000:.10g}"),
        "si_unit": "kg/mol",
        "monoisotopic_mass": float(f"{parsed.monoisotopic_mass:.10g}"),
        "composition": [
            {
                "element": item.symbol,
                "count": item.count,
                "mass_fraction": round(item.fraction, 6),
            }
            for item in composition.values()
        ],
        "source": "molmass (element data: NIST Atomic Weights and Isotopic Compositions)",
    }


@hookimpl
def aistack_tools() -> list[Any]:
    return [molar_mass]
