"""The planner's rules (services/orchestrator/graph/rules.yaml) on the gateway's real
conditioning: which steps a question calls for before the model speaks."""

from __future__ import annotations

from typing import Any

import pytest

from services.gateway.conditioning.extract import Extractor
from services.kit.vocabulary import shares_to_multipliers
from services.orchestrator.graph.planner import Planner, load_rules
from services.orchestrator.tools.model import ServerTool

pytestmark = pytest.mark.unit


def registry_tool(name: str, quantities: dict[str, str], required: list[str]) -> ServerTool:
    """A registry entry as GET /tools lists it (unit-aware parameters with their kinds)."""
    return ServerTool(
        public=f"tools__{name}",
        origin="tools",
        target=name,
        description=name,
        parameters={"type": "object", "properties": {p: {} for p in quantities}},
        quantities=quantities,
        required=tuple(required),
    )


REGISTRY = [
    registry_tool("convert_units", {}, ["quantity", "to"]),
    registry_tool(
        "reynolds_regime",
        {"density": "density", "velocity": "velocity", "length": "length",
         "viscosity": "dynamic_viscosity"},
        ["density", "velocity", "length", "viscosity"],
    ),
    registry_tool(
        "hoop_stress",
        {"pressure": "pressure", "diameter": "length", "wall_thickness": "length"},
        ["pressure", "diameter", "wall_thickness"],
    ),
    registry_tool(
        "ideal_gas",
        {"pressure": "pressure", "volume": "volume", "amount": "amount",
         "temperature": "temperature"},
        [],
    ),
]  # fmt: skip


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor()


def plan(extractor: Extractor, text: str, *, retrieve: bool = False, **conditioning: Any):
    derived = extractor.run(text).model_dump() | conditioning
    planner = Planner(load_rules(), retrieval=retrieve, tools=True)
    return planner.plan(text, derived, REGISTRY)


def test_a_quantity_asked_in_another_unit_is_converted_by_rule(extractor: Extractor) -> None:
    (action,) = plan(extractor, "Convert 300 °F to kelvin")
    assert action["kind"] == "tool" and action["tool"] == "convert_units"
    assert action["arguments"] == {"quantity": "300 degF", "to": "kelvin"}
    assert "300 °F asked in kelvin" in action["why"]


def test_each_unit_goes_with_the_quantity_of_its_dimension(extractor: Extractor) -> None:
    actions = plan(extractor, "What is 3 bar in kPa, and 25 mm in inches?")
    pairs = [(a["arguments"]["quantity"], a["arguments"]["to"]) for a in actions]
    assert ("3 bar", "kilopascal") in pairs and ("25 millimeter", "inch") in pairs
    assert ("3 bar", "inch") not in pairs and len(pairs) == 2


def test_a_calculator_question_gets_its_inputs_and_the_named_fluid(extractor: Extractor) -> None:
    (action,) = plan(extractor, "Reynolds number for water at 2 m/s in a 50 mm pipe")
    assert action["tool"] == "reynolds_regime"
    args = action["arguments"]
    assert args["velocity"] == "2 meter / second" and args["length"] == "50 millimeter"
    # Not in the question: water's properties, said to be an assumption with their source.
    assert args["density"] == "998.2 kg/m^3" and args["viscosity"] == "1.002 mPa*s"
    assert "assumed water at 20 °C" in action["why"]


def test_same_kind_parameters_go_to_the_mention_that_names_them(extractor: Extractor) -> None:
    text = "Hoop stress for a wall thickness of 10 mm, 500 mm diameter, at 2 MPa?"
    (action,) = plan(extractor, text)
    assert action["tool"] == "hoop_stress"
    assert action["arguments"] == {
        "pressure": "2 megapascal", "diameter": "500 millimeter",
        "wall_thickness": "10 millimeter",
    }  # fmt: skip


def test_a_calculator_without_its_inputs_is_not_called(extractor: Extractor) -> None:
    assert plan(extractor, "Explain the Reynolds number and flow regimes.") == []
    # Ideal gas needs three of its four inputs.
    assert plan(extractor, "Ideal gas at 2 bar, what volume?") == []
    (gas,) = plan(extractor, "Ideal gas: 2 bar, 300 K and 1 mol, what volume?")
    assert set(gas["arguments"]) == {"pressure", "temperature", "amount"}


def test_domain_weights_shape_the_retrieval(extractor: Extractor) -> None:
    weights = shares_to_multipliers({"chem": 0.1, "mech": 0.7, "materials": 0.2})
    (action,) = plan(
        extractor,
        "Preload for an M12 bolt?",
        retrieve=True,
        retrieval={"top_k": 5, "domain_weights": weights, "prefer_hard_facts": True},
    )
    assert action["kind"] == "retrieve" and action["tool"] == "documents"
    assert action["arguments"]["domain_weights"] == weights
    assert "filters" not in action["arguments"] and "mech" in action["why"]


def test_a_question_about_a_recording_takes_technical_transcripts_only(
    extractor: Extractor,
) -> None:
    (action,) = plan(extractor, "What load was mentioned in the lab recording?", retrieve=True)
    assert action["tool"] == "transcripts"
    assert action["arguments"]["filters"] == {"tags": ["transcript:technical"]}


def test_nothing_to_do_plans_nothing(extractor: Extractor) -> None:
    assert plan(extractor, "Hello there") == []
    planner = Planner(load_rules(), retrieval=True, tools=False)
    (only,) = planner.plan("Convert 300 °F to kelvin", extractor.run("x").model_dump(), [])
    assert only["kind"] == "retrieve", "without the registry no tool is planned"
