"""A typed function becomes a tool: name, docstring, schema from the annotations (pydantic),
validation with every problem and its JSON path, unit-aware parameters."""

from __future__ import annotations

from typing import Annotated, Literal

import pytest
from jsonschema import Draft202012Validator

from services.tool_registry.errors import ArgumentsError, PluginError
from services.tool_registry.functions import function_tool
from services.tool_registry.quantity import Quantity
from services.tool_registry.schema import argument_docs

pytestmark = pytest.mark.unit


def reynolds_number(density: float, velocity: float, length: float, viscosity: float) -> float:
    """Reynolds number Re = ρ·v·L/μ (SI units)."""  # noqa: RUF002
    return density * velocity * length / viscosity


def vessel(
    pressure: Annotated[float, Quantity("pressure")],
    material: Literal["316L", "A36"] = "316L",
    note: str | None = None,
) -> dict[str, float]:
    """Check a vessel.

    Args:
        pressure: design pressure, gauge.
        material: the shell material.
    """
    return {"pressure": pressure}


def test_the_contract_example_becomes_an_openai_function() -> None:
    tool = function_tool(reynolds_number)
    assert tool.name == "reynolds_number"
    assert tool.description == "Reynolds number Re = ρ·v·L/μ (SI units)."  # noqa: RUF001
    assert tool.parameters == {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "density": {"type": "number"},
            "velocity": {"type": "number"},
            "length": {"type": "number"},
            "viscosity": {"type": "number"},
        },
        "required": ["density", "velocity", "length", "viscosity"],
    }
    Draft202012Validator.check_schema(tool.parameters)
    assert tool.call({"density": 1000, "velocity": 2, "length": 0.05, "viscosity": 0.001}) == (
        pytest.approx(100000.0)
    )


def test_quantity_parameter_schema_and_si_delivery() -> None:
    tool = function_tool(vessel)
    prop = tool.parameters["properties"]["pressure"]
    assert [option.get("type") for option in prop["anyOf"]] == ["number", "string", "object"]
    assert prop["description"].startswith("design pressure, gauge. (pressure: a number in Pa")
    assert tool.parameters["properties"]["material"]["enum"] == ["316L", "A36"]
    assert tool.parameters["required"] == ["pressure"]
    assert tool.quantities == {"pressure": "pressure"}
    assert function_tool(reynolds_number).quantities == {}
    for given in ("3 bar", {"value": 3, "unit": "bar"}, 300000, "0.3 MPa"):
        assert tool.call({"pressure": given}) == {"pressure": pytest.approx(300000.0)}


def test_every_problem_is_listed_with_its_json_path() -> None:
    tool = function_tool(vessel)
    with pytest.raises(ArgumentsError) as caught:
        tool.validate({"pressure": "3 m", "material": "steel", "colour": "red"})
    problems = {p.path: p for p in caught.value.problems}
    assert set(problems) == {"$.pressure", "$.material", "$.colour"}
    assert "expected a pressure (SI unit Pa), got a length (3 m)" in problems["$.pressure"].message
    assert problems["$.colour"].type == "extra_forbidden"
    body = caught.value.body()["error"]
    assert caught.value.status_code == 422 and body["code"] == "invalid_arguments"
    assert body["param"] == "pressure"
    assert "$.pressure" in body["message"] and "$.material" in body["message"]
    with pytest.raises(ArgumentsError) as missing:
        tool.validate({})
    assert [(p.path, p.type) for p in missing.value.problems] == [("$.pressure", "missing")]


def test_functions_that_cannot_be_described_are_refused() -> None:
    def no_hints(a, b: int) -> int:  # type: ignore[no-untyped-def]
        """Doc."""
        return b

    def star(*values: float) -> float:
        """Doc."""
        return sum(values)

    def undocumented(a: int) -> int:
        return a

    for function, message in (
        (no_hints, "parameter 'a' has no type annotation"),
        (star, r"\*args and \*\*kwargs"),
        (undocumented, "has no docstring"),
        (lambda: 1, "must match"),
    ):
        with pytest.raises(PluginError, match=message):
            function_tool(function)


def test_argument_docs_read_google_style_sections() -> None:
    doc = """Summary.

    Args:
        length: the span L,
            continued here.
        load (float): a point load.

    Returns:
        something.
    """
    import inspect

    assert argument_docs(inspect.cleandoc(doc)) == {
        "length": "the span L, continued here.",
        "load": "a point load.",
    }


def test_own_timeout_attribute() -> None:
    def slow(seconds: float) -> float:
        """Sleep."""
        return seconds

    slow.timeout_s = 2.5  # type: ignore[attr-defined]
    assert function_tool(slow).timeout_s == 2.5
    slow.timeout_s = -1  # type: ignore[attr-defined]
    with pytest.raises(PluginError, match="timeout_s"):
        function_tool(slow)
