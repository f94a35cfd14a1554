"""Quantity finding and SI normalisation (pint is the unit authority)."""

from __future__ import annotations

import pytest

from services.kit.quantities import QuantityFinder

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def finder() -> QuantityFinder:
    return QuantityFinder()


@pytest.mark.parametrize(
    ("text", "si_value", "si_unit"),
    [
        ("250 MPa", 250e6, "Pa"),
        ("250 megapascals", 250e6, "Pa"),
        ("5 ksi", 34473786.4658, "Pa"),
        ("1,200 psi", 8273708.7518, "Pa"),
        ("12 kilonewtons", 12000.0, "N"),
        ("40 N·m", 40.0, "N·m"),
        ("40 newton metres", 40.0, "N·m"),
        ("300 degrees Celsius", 573.15, "K"),
        ("300 °F", 422.0389, "K"),
        ("20°C", 293.15, "K"),
        ("7.85 g/cm3", 7850.0, "kg/m³"),
        ("1.2 grams per cubic centimetre", 1200.0, "kg/m³"),
        ("2 m³/s", 2.0, "m³/s"),
        ("3 metres per second", 3.0, "m/s"),
        ("0.5%", 0.005, "1"),
        ("0.5 percent", 0.005, "1"),
        ("3000 rpm", 314.1593, "rad/s"),
        ("15 kV", 15000.0, "V"),
        ("0.1 moles per litre", 100.0, "mol/m³"),
        # Ratios convert each side: a heating rate is a rate of temperature differences.
        ("10 °C/min", 0.1666666667, "K/s"),
        ("5 degrees Celsius per minute", 0.0833333333, "K/s"),
        ("5 kJ/mol", 5000.0, "J/mol"),
        ("20 J/g", 20000.0, "J/kg"),
        ("2 psi per s", 13789.5145863, "Pa/s"),
        ("1 m/s2", 1.0, "m/s²"),
        ("12 mm²", 1.2e-05, "m²"),
        ("-40 °C", 233.15, "K"),
    ],
)
def test_normalised_to_si(finder: QuantityFinder, text: str, si_value: float, si_unit: str) -> None:
    [q] = finder.run(f"we measured {text} yesterday")
    assert q.text == text
    assert q.si_value == pytest.approx(si_value, rel=1e-6)
    assert q.si_unit == si_unit


@pytest.mark.parametrize(
    "text",
    [
        "I was in 3 months of training",  # "m" must not match the start of "months"
        "the 316L steel",  # a grade, not 316 litres
        "chapter 4 at the back",  # "at" is not attotonne
        "meet me at 5 in the hall",
        "version 2.0 is out",
    ],
)
def test_ordinary_words_are_not_units(finder: QuantityFinder, text: str) -> None:
    assert finder.run(text) == []


def test_several_quantities_in_order(finder: QuantityFinder) -> None:
    found = finder.run("Loaded to 12 kN at 300 °C, the strain reached 0.5%.")
    assert [q.text for q in found] == ["12 kN", "300 °C", "0.5%"]
    assert found[0].as_dict() == {
        "text": "12 kN",
        "value": 12.0,
        "unit": "kilonewton",
        "si_value": 12000.0,
        "si_unit": "N",
        "kind": "force",
    }


def test_unconvertible_unit_is_kept_without_si(finder: QuantityFinder) -> None:
    # A table entry pint cannot read must not fail the transcription.
    odd = QuantityFinder({**finder.table, "zorks": "zork"})
    [q] = odd.run("it measured 3 zorks")
    assert (q.value, q.si_value, q.si_unit) == (3.0, None, None)


def test_bare_unit_words_exclude_quantities(finder: QuantityFinder) -> None:
    text = "stress in megapascals: 250 megapascals"
    assert finder.bare_units(text, finder.run(text)) == 1


@pytest.mark.parametrize(
    ("text", "si_value", "kind"),
    [
        ("2.5 x10^5 Pa", 2.5e5, "pressure"),
        ("3 \u00d7 10^-4 m", 3e-4, "length"),
        ("7.9 g/cm³", 7900.0, "density"),
        ("85 N·m", 85.0, "energy_or_torque"),
        ("300 °F", 422.038888889, "temperature"),
        ("5e-3 mol/L", 5.0, "concentration"),
    ],
)
def test_powers_of_ten_and_kinds(finder: QuantityFinder, text, si_value, kind) -> None:
    (q,) = finder.run(text)
    assert q.si_value == pytest.approx(si_value, rel=1e-9)
    assert q.kind == kind
