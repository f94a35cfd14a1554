"""The kit's conversion module (services/kit/conversion.py): what tools and the MCP servers'
convert_units rely on."""

from __future__ import annotations

import pytest

from services.kit import conversion
from services.kit.conversion import ConversionError

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("value", "kind", "si"),
    [
        ("3 bar", "pressure", 300000.0),
        ({"value": 3, "unit": "bar"}, "pressure", 300000.0),
        (300000, "pressure", 300000.0),  # a bare number is already SI
        ("30 ksi", "stress", 206842718.795),
        ("200 GPa", "modulus", 2.0e11),
        ("300 degF", "temperature", 422.038888889),
        ({"value": 300, "unit": "°F"}, "temperature", 422.038888889),
        ("300 °F", "temperature", 422.038888889),
        ("20 °C", "temperature", 293.15),
        ("10 degC", "temperature_difference", 10.0),  # a change, not a temperature
        ("7.9 g/cm³", "density", 7900.0),
        ("1 cP", "viscosity", 0.001),
        ("25 mm", "length", 0.025),
        ("8.3e6 mm^4", "second_moment_of_area", 8.3e-6),
        ("12 µm/(m·K)", "thermal_expansion", 1.2e-5),
        ("2 kN/m", "force_per_length", 2000.0),
        ("1,000 N", "force", 1000.0),
    ],
)
def test_to_si(value: object, kind: str, si: float) -> None:
    assert conversion.to_si(value, kind) == pytest.approx(si, rel=1e-9)  # type: ignore[arg-type]


def test_wrong_dimension_names_both_kinds() -> None:
    with pytest.raises(ConversionError, match=r"expected a pressure \(SI unit Pa\), got a length"):
        conversion.to_si("3 m", "pressure")
    with pytest.raises(ConversionError, match="got a mass"):
        conversion.to_si({"value": 3, "unit": "kg"}, "pressure")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("three bar", "write a number and a unit"),
        ("3 floops", "unknown unit 'floops'"),
        ({"value": "3", "unit": "bar"}, '"value" must be a number'),
        ({"value": 3}, 'exactly the keys "value" and "unit"'),
        (True, "boolean"),
        ("nan bar", "write a number and a unit"),
    ],
)
def test_unreadable_quantities_say_why(value: object, message: str) -> None:
    with pytest.raises(ConversionError, match=message):
        conversion.to_si(value, "pressure")  # type: ignore[arg-type]


def test_unknown_kind_lists_the_known_ones() -> None:
    with pytest.raises(ConversionError, match=r"unknown quantity kind 'presure'.*pressure"):
        conversion.normalize_kind("presure")


def test_convert_offset_units_and_si() -> None:
    assert conversion.convert("300 degF", "K") == {
        "input": "300 degF",
        "value": 422.038888889,
        "unit": "K",
        "si_value": 422.038888889,
        "si_unit": "K",
        "kind": "temperature",
    }
    result = conversion.convert({"value": 100, "unit": "degC"}, "degF")
    assert result["value"] == pytest.approx(212.0)
    assert result["si_value"] == pytest.approx(373.15)
    psi = conversion.convert("3 bar", "psi")
    assert psi["value"] == pytest.approx(43.5113, rel=1e-5)
    assert (psi["si_value"], psi["si_unit"], psi["kind"]) == (300000.0, "Pa", "pressure")


def test_convert_refuses_other_dimensions() -> None:
    with pytest.raises(
        ConversionError, match=r"cannot convert 3 m \(a length\) to bar \(a pressure\)"
    ):
        conversion.convert("3 m", "bar")


def test_si_unit_symbols() -> None:
    assert conversion.si_unit("pressure") == "Pa"
    assert conversion.si_unit("density") == "kg/m³"
    assert conversion.si_unit("thermal_expansion") == "1/K"
