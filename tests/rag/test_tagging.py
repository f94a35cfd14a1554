"""Quantities to SI with pint, constraint/safety statements, identifiers (pure text rules)."""

from __future__ import annotations

import pytest

from services.kit.quantities import QuantityFinder
from services.rag.constraints import find_constraints
from services.rag.identifiers import cas_valid, find_identifiers, sparse_text

pytestmark = pytest.mark.unit


FINDER = QuantityFinder()


def _si(text: str) -> list[tuple[str, float, str]]:
    return [(q.text, round(q.si_value or 0.0, 6), q.kind) for q in FINDER.run(text)]


def test_mixed_units_normalise_to_si() -> None:
    found = _si("Yield 205 MPa (29.7 ksi), torque 85 N·m, density 7.9 g/cm³, flow 3 m³/s.")
    assert found[0] == ("205 MPa", 205e6, "pressure")
    assert found[1][0] == "29.7 ksi" and found[1][1] == pytest.approx(204.77e6, rel=1e-3)
    assert found[2] == ("85 N·m", 85.0, "energy_or_torque")
    assert found[3] == ("7.9 g/cm³", 7900.0, "density")
    assert found[4] == ("3 m³/s", 3.0, "flow_rate")


def test_offset_temperatures_convert_to_kelvin() -> None:
    assert _si("hold at 300 °F then cool to -40 °C") == [
        ("300 °F", pytest.approx(422.038889), "temperature"),
        ("-40 °C", 233.15, "temperature"),
    ]


def test_grades_and_words_are_not_units() -> None:
    # 316L is a steel grade, not 316 litres; "at" and "in" are words here.
    found = _si("316L and 304L plates, 880 MPa at room temperature, 2 in total")
    assert found == [("880 MPa", 880e6, "pressure")]


def test_exponents_and_thousands() -> None:
    assert _si("E = 2.1\u00d710^5 MPa, 1,200 rpm, 1.2e3 kg/m3")[0][1] == pytest.approx(2.1e11)
    assert _si("1,200 rpm")[0][1] == pytest.approx(125.66370614)
    assert _si("1.2e3 kg/m3") == [("1.2e3 kg/m3", 1200.0, "density")]


def test_constraints_and_hazards() -> None:
    sentences, kinds = find_constraints(
        "The maximum operating pressure is 16 bar. Do not exceed 80 °C. "
        "Acetone is highly flammable (H225). The valve is blue."
    )
    assert len(sentences) == 3
    assert kinds == ["hazard", "limit", "prohibition"]
    assert find_constraints("The steel is ductile and used in pipes.") == ([], [])


def test_identifiers_and_cas_checksum() -> None:
    ids = find_identifiers("Water CAS 7732-18-5; fake 12-34-5; M12x1.75 per ISO 898-1")
    assert "CAS 7732-18-5" in ids and "M12x1.75" in ids and "ISO 898-1" in ids
    assert not any("12-34-5" in i for i in ids)
    assert cas_valid("67-64-1") and not cas_valid("67-64-2")
    assert sparse_text("use M12x1.75").endswith("m12x175")
