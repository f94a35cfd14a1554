"""``Quantity``: the unit-aware parameter type plugins may use.

    from typing import Annotated
    from services.tool_registry.quantity import Quantity

    def hoop(pressure: Annotated[float, Quantity("pressure")], ...) -> float: ...

The parameter's JSON Schema accepts a number (taken as SI), a string with a unit (``"3 bar"``,
``"300 degF"``) or ``{"value": 3, "unit": "bar"}``; pydantic hands the function the SI value
(``300000.0`` Pa). A quantity of another dimension ("3 m" for a pressure) fails validation with
"expected a pressure (SI unit Pa), got a length (3 m)", which the registry answers with 422.
Conversion goes through the kit (:mod:`services.kit.conversion`, pint).
"""

from __future__ import annotations

from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from services.kit import conversion


class Quantity:
    """Annotation marker: the value is a ``kind`` of physical quantity, delivered in SI.

    Args:
        kind: a quantity kind (``pressure``, ``length``, ``temperature``, ``density`` ... see
            :data:`services.kit.conversion.KINDS`; ``stress`` and ``modulus`` are pressures).

    Raises:
        ValueError: an unknown kind (at declaration, so the plugin is reported while loading).
    """

    def __init__(self, kind: str) -> None:
        self.kind = conversion.normalize_kind(kind)

    def __repr__(self) -> str:
        return f"Quantity({self.kind!r})"

    def _validate(self, value: Any) -> float:
        try:
            return conversion.to_si(value, self.kind)
        except conversion.ConversionError as exc:
            raise PydanticCustomError("quantity", "{reason}", {"reason": str(exc)}) from None

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            self._validate, serialization=core_schema.plain_serializer_function_ser_schema(float)
        )

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return self.json_schema()

    def hint(self) -> str:
        """How to pass the value, in words the model reads."""
        unit = conversion.si_unit(self.kind)
        label = self.kind.replace("_", " ")
        return (
            f"{label}: a number in {unit} (SI), or a string with a unit such as "
            f'{_example(self.kind)!r}, or an object {{"value": <number>, "unit": <unit>}}'
        )

    def json_schema(self) -> dict[str, Any]:
        return {
            "anyOf": [
                {"type": "number"},
                {"type": "string"},
                {
                    "type": "object",
                    "properties": {"value": {"type": "number"}, "unit": {"type": "string"}},
                    "required": ["value", "unit"],
                    "additionalProperties": False,
                },
            ],
            "description": self.hint(),
        }


_EXAMPLES = {
    "pressure": "3 bar",
    "temperature": "300 degF",
    "temperature_difference": "10 delta_degC",
    "length": "25 mm",
    "area": "120 mm^2",
    "volume": "2 L",
    "mass": "5 lb",
    "force": "10 kN",
    "density": "7.9 g/cm^3",
    "velocity": "3 m/s",
    "dynamic_viscosity": "1 cP",
    "thermal_expansion": "16e-6 1/K",
    "second_moment_of_area": "8.3e6 mm^4",
    "force_per_length": "2 kN/m",
    "amount": "2 mol",
}


def _example(kind: str) -> str:
    return _EXAMPLES.get(kind, f"1 {conversion.si_unit(kind)}")
