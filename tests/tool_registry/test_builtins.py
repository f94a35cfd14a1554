"""The built-in tools against known values, each answer naming its source or formula. They
load the way every plugin does (pluggy, the aistack.tools entry points) and run in-process."""

from __future__ import annotations

from typing import Any

import pytest

from services.tool_registry.discovery import Discovery
from services.tool_registry.errors import ArgumentsError
from services.tool_registry.functions import FunctionTool
from services.tool_registry.settings import Settings

pytestmark = pytest.mark.unit

EXPECTED = {
    "convert_units", "reynolds_regime", "ideal_gas", "axial_stress_strain", "hoop_stress",
    "cantilever_deflection", "simply_supported_deflection", "thermal_expansion",
    "material_property", "molar_mass",
}  # fmt: skip


@pytest.fixture(scope="module")
def builtins() -> dict[str, FunctionTool]:
    found = Discovery(Settings(gateway_api_keys="sk-unit-test-0123456789"), None, {}).builtins()  # type: ignore[arg-type]
    assert found.problems == []
    return {t.name: t.runner.tool for t in found.tools}  # type: ignore[attr-defined]


def call(builtins: dict[str, FunctionTool], name: str, **arguments: Any) -> Any:
    return builtins[name].call(arguments)


def test_every_builtin_is_registered_through_the_entry_points(builtins: dict) -> None:
    import importlib.metadata

    assert set(builtins) == EXPECTED
    from services.tool_registry.builtins import MODULES

    points = {p.module for p in importlib.metadata.entry_points(group="aistack.tools")}
    assert set(MODULES) <= points, "pyproject's aistack.tools entry points name every built-in"
    for tool in builtins.values():
        assert tool.description and tool.parameters["type"] == "object"
    assert builtins["ideal_gas"].quantities == {
        "pressure": "pressure", "volume": "volume", "amount": "amount",
        "temperature": "temperature",
    }  # fmt: skip
    assert builtins["reynolds_regime"].quantities["viscosity"] == "dynamic_viscosity"
    assert builtins["material_property"].quantities == {}


def test_convert_units(builtins: dict) -> None:
    kelvin = call(builtins, "convert_units", quantity="300 degF", to="K")
    assert kelvin["value"] == pytest.approx(422.0389, rel=1e-6) and kelvin["unit"] == "K"
    psi = call(builtins, "convert_units", quantity={"value": 3, "unit": "bar"}, to="psi")
    assert psi["value"] == pytest.approx(43.5113, rel=1e-5)
    assert psi["si_value"] == 300000.0 and psi["si_unit"] == "Pa"
    assert "pint" in psi["source"]
    with pytest.raises(ValueError, match="cannot convert 3 m"):
        call(builtins, "convert_units", quantity="3 m", to="bar")


def test_reynolds_regime(builtins: dict) -> None:
    # Water at 20 °C in a 50 mm pipe at 2 m/s: Re ≈ 99 600, turbulent.
    result = call(builtins, "reynolds_regime", density="998 kg/m^3", velocity="2 m/s",
                  length="50 mm", viscosity="1.002 mPa*s")  # fmt: skip
    assert result["reynolds_number"] == pytest.approx(998 * 2 * 0.05 / 1.002e-3)
    assert result["regime"] == "turbulent" and result["formula"] == "Re = ρ·v·L/μ"  # noqa: RUF001
    slow = call(builtins, "reynolds_regime", density=1000, velocity=0.01, length=0.01,
                viscosity=0.001)  # fmt: skip
    assert slow["reynolds_number"] == pytest.approx(100.0) and slow["regime"] == "laminar"
    assert "Reynolds" in result["source"]


def test_ideal_gas_molar_volume_at_stp(builtins: dict) -> None:
    result = call(builtins, "ideal_gas", pressure="1 atm", amount="1 mol", temperature="0 degC")
    assert result["solved_for"] == "volume" and result["unit"] == "m³"
    assert result["value"] == pytest.approx(0.022413969545, rel=1e-9)  # CODATA: 22.413969545 L/mol
    back = call(builtins, "ideal_gas", volume="22.413969545 L", amount=1, temperature=273.15)
    assert back["value"] == pytest.approx(101325.0, rel=1e-9)
    assert "CODATA" in result["source"]
    with pytest.raises(ValueError, match="exactly three"):
        call(builtins, "ideal_gas", pressure="1 atm")


def test_axial_stress_strain(builtins: dict) -> None:
    result = call(builtins, "axial_stress_strain", force="10 kN", area="100 mm^2",
                  youngs_modulus="200 GPa", length="2 m")  # fmt: skip
    assert result["stress"] == pytest.approx(100e6)
    assert result["strain"] == pytest.approx(5e-4)
    assert result["elongation"] == pytest.approx(1e-3)
    assert result["formulas"] == ["σ = F/A", "ε = σ/E", "δ = ε·L"]  # noqa: RUF001


def test_hoop_stress_thin_and_thick(builtins: dict) -> None:
    thin = call(builtins, "hoop_stress", pressure="1 MPa", diameter="1 m", wall_thickness="10 mm")
    assert thin["hoop_stress"] == pytest.approx(50e6) and thin["longitudinal_stress"] == (
        pytest.approx(25e6)
    )
    assert thin["thin_wall_valid"] and thin["method"] == "thin-wall"
    thick = call(builtins, "hoop_stress", pressure="100 MPa", diameter="100 mm",
                 wall_thickness="25 mm")  # fmt: skip
    # Lamé at the bore: p·(ro²+ri²)/(ro²-ri²) with ri = 50 mm, ro = 75 mm.
    assert not thick["thin_wall_valid"] and thick["hoop_stress"] == pytest.approx(260e6)
    assert thick["lame_inner_surface"]["longitudinal"] == pytest.approx(80e6)
    assert "Lamé" in thick["source"]


def test_beams(builtins: dict) -> None:
    common = {"length": "2 m", "youngs_modulus": "200 GPa", "second_moment_of_area": "8e-6 m^4"}
    tip = call(builtins, "cantilever_deflection", point_load="1 kN", **common)
    assert tip["max_deflection"] == pytest.approx(1000 * 2**3 / (3 * 200e9 * 8e-6))  # 1.667 mm
    assert tip["max_bending_moment"] == pytest.approx(2000.0)
    spread = call(builtins, "cantilever_deflection", distributed_load="1 kN/m", **common)
    assert spread["max_deflection"] == pytest.approx(1.25e-3)
    span = {**common, "length": "4 m"}
    mid = call(builtins, "simply_supported_deflection", point_load="10 kN", **span)
    assert mid["max_deflection"] == pytest.approx(10000 * 4**3 / (48 * 200e9 * 8e-6))
    assert mid["max_bending_moment"] == pytest.approx(10000.0)
    udl = call(builtins, "simply_supported_deflection", distributed_load="2 kN/m", **span)
    assert udl["max_deflection"] == pytest.approx(5 * 2000 * 4**4 / (384 * 200e9 * 8e-6))
    assert "Euler-Bernoulli" in udl["source"]
    with pytest.raises(ValueError, match="point_load, a distributed_load"):
        call(builtins, "cantilever_deflection", **common)


def test_thermal_expansion(builtins: dict) -> None:
    steel = call(builtins, "thermal_expansion", length="1 m", t_initial="20 degC",
                 t_final="120 degC", material="316L")  # fmt: skip
    assert steel["length_change"] == pytest.approx(15.9e-6 * 1 * 100)
    assert steel["temperature_change_k"] == pytest.approx(100.0)
    assert "316L" in steel["source"]
    given = call(builtins, "thermal_expansion", length="500 mm", t_initial="68 degF",
                 t_final="212 degF", coefficient="12e-6 1/K")  # fmt: skip
    assert given["length_change"] == pytest.approx(12e-6 * 0.5 * 80, rel=1e-9)


def test_material_property(builtins: dict) -> None:
    result = call(builtins, "material_property", material="UNS S31603", property="yield_strength")
    assert result["material"] == "316L"
    prop = result["properties"]["yield_strength"]
    assert (prop["value"], prop["unit"], prop["as_written"]) == (170e6, "Pa", "170 MPa")
    assert "ASTM A240" in prop["basis"] and "ASTM A240" in result["source"]
    every = call(builtins, "material_property", material="ti-6al-4v")
    assert every["properties"]["youngs_modulus"]["value"] == pytest.approx(113.8e9)
    assert set(every["properties"]) == {
        "density", "youngs_modulus", "yield_strength", "tensile_strength",
        "thermal_expansion", "max_service_temperature",
    }  # fmt: skip
    assert call(builtins, "material_property", material="6061-T6", property="density")[
        "properties"
    ]["density"]["value"] == pytest.approx(2700.0)
    peek = call(builtins, "material_property", material="PEEK", property="max_service_temperature")
    assert peek["properties"]["max_service_temperature"]["value"] == pytest.approx(533.15)
    for name in ("A36", "Inconel 625", "304", "7075-T6"):
        assert call(builtins, "material_property", material=name)["source"]
    with pytest.raises(ValueError, match="unknown material 'unobtainium'; known: 304, 316L"):
        call(builtins, "material_property", material="unobtainium")
    with pytest.raises(ArgumentsError, match=r"\$\.property"):
        builtins["material_property"].validate({"material": "316L", "property": "colour"})


def test_molar_mass(builtins: dict) -> None:
    water = call(builtins, "molar_mass", formula="H2O")
    assert water["molar_mass"] == pytest.approx(18.015, abs=1e-3) and water["unit"] == "g/mol"
    assert water["si_value"] == pytest.approx(0.018015, abs=1e-6)
    assert {c["element"]: c["count"] for c in water["composition"]} == {"H": 2, "O": 1}
    assert call(builtins, "molar_mass", formula="CuSO4.5H2O")["molar_mass"] == pytest.approx(
        249.685, abs=1e-2
    )
    assert call(builtins, "molar_mass", formula="C8H10N4O2")["molar_mass"] == pytest.approx(
        194.19, abs=1e-2
    )
    assert "molmass" in water["source"]
    with pytest.raises(ValueError, match="cannot read the formula 'Xx2'"):
        call(builtins, "molar_mass", formula="Xx2")
