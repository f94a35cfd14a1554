"""Built-in plugin: properties of common engineering materials from a shipped table.

The table (``materials.yaml``) writes each value with its unit; it is converted to SI when first
read. Every answer names the row's source and what the value is (a minimum or a typical value).
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

import pluggy
import yaml

from services.kit import conversion

hookimpl = pluggy.HookimplMarker("aistack")

Property = Literal[
    "density",
    "youngs_modulus",
    "yield_strength",
    "tensile_strength",
    "thermal_expansion",
    "max_service_temperature",
]
KINDS = {
    "density": "density",
    "youngs_modulus": "modulus",
    "yield_strength": "stress",
    "tensile_strength": "stress",
    "thermal_expansion": "thermal_expansion",
    "max_service_temperature": "temperature",
}


def _key(name: str) -> str:
    return re.sub(r"[\s_\-.]", "", name).casefold()


@lru_cache(maxsize=1)
def table() -> dict[str, dict[str, Any]]:
    """Material key (name and every alias, normalised) → its row, values in SI."""
    text = resources.files(__package__).joinpath("materials.yaml").read_text(encoding="utf-8")
    rows: dict[str, dict[str, Any]] = {}
    for raw in yaml.safe_load(text)["materials"]:
        props = {}
        for prop, item in raw["properties"].items():
            kind = KINDS[prop]
            props[prop] = {
                "value": conversion.to_si(item["value"], kind),
                "unit": conversion.si_unit(kind),
                "as_written": item["value"],
                "basis": item["basis"],
            }
        row = {k: raw[k] for k in ("name", "category", "condition", "source")}
        row["aliases"], row["properties"] = raw.get("aliases", []), props
        for name in [raw["name"], *row["aliases"]]:
            rows[_key(str(name))] = row
    return rows


def material_names() -> list[str]:
    return sorted({row["name"] for row in table().values()})


def lookup(material: str) -> dict[str, Any]:
    """The row for ``material`` (name or alias, any case). Raises ValueError listing names."""
    row = table().get(_key(material))
    if row is None:
        raise ValueError(f"unknown material {material!r}; known: {', '.join(material_names())}")
    return row


def material_property(material: str, property: Property | None = None) -> dict[str, Any]:
    """Properties of a common engineering material, in SI, each with its basis and the row's
    source: density, Young's modulus, yield and tensile strength, thermal expansion
    coefficient and maximum service temperature. Materials: 316L, 304, 6061-T6, 7075-T6,
    Ti-6Al-4V, A36, Inconel 625, PEEK (common aliases such as "UNS S31603" work too).

    Args:
        material: the material's name or an alias, e.g. "316L", "6061-T6", "Ti-6Al-4V".
        property: one property to return; omitted, all of them.
    """
    row = lookup(material)
    props = row["properties"]
    chosen = {property: props[property]} if property else props
    return {
        "material": row["name"],
        "category": row["category"],
        "condition": row["condition"],
        "properties": chosen,
        "source": row["source"],
    }


@hookimpl
def aistack_tools() -> list[Any]:
    return [material_property]
