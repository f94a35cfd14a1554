"""Post-processing of the JSON Schemas pydantic generates for tool parameters, and the
per-parameter text read from docstrings."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

_ARGS_HEADER = re.compile(r"^(Args|Arguments|Parameters):\s*$")
_ARG_LINE = re.compile(r"^(\*{0,2}\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")


def argument_docs(doc: str) -> dict[str, str]:
    """Per-parameter text from a Google-style ``Args:`` section of a docstring."""
    found: dict[str, str] = {}
    lines = doc.splitlines()
    inside, indent, current = False, None, None
    for line in lines:
        if _ARGS_HEADER.match(line.strip()):
            inside, indent, current = True, None, None
            continue
        if not inside:
            continue
        if not line.strip():
            continue
        depth = len(line) - len(line.lstrip())
        if indent is None:
            indent = depth
        if depth < indent or (depth == 0 and line.strip().endswith(":")):
            inside = False
            continue
        match = _ARG_LINE.match(line.strip())
        if depth == indent and match:
            current = match.group(1).lstrip("*")
            found[current] = match.group(2).strip()
        elif current is not None:
            found[current] = f"{found[current]} {line.strip()}".strip()
    return found


def _flatten_any_of(schema: Any) -> Any:
    # An optional quantity comes out as anyOf[anyOf[number, string, object], null]: one level
    # says the same and reads better.
    if isinstance(schema, list):
        return [_flatten_any_of(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    schema = {k: _flatten_any_of(v) for k, v in schema.items()}
    if isinstance(schema.get("anyOf"), list):
        flat: list[Any] = []
        for option in schema["anyOf"]:
            if (
                isinstance(option, dict)
                and set(option) <= {"anyOf", "description"}
                and ("anyOf" in option)
            ):
                flat += option["anyOf"]
                if "description" in option and "description" not in schema:
                    schema["description"] = option["description"]
                elif "description" in option:
                    schema["description"] = f"{schema['description']} ({option['description']})"
            else:
                flat.append(option)
        schema["anyOf"] = flat
    return schema


def _strip_titles(schema: Any) -> Any:
    # pydantic titles every field ("Density"): noise for a model, and bytes on every request.
    if isinstance(schema, dict):
        return {
            k: _strip_titles(v)
            for k, v in schema.items()
            if not (k == "title" and isinstance(v, str))
        }
    if isinstance(schema, list):
        return [_strip_titles(item) for item in schema]
    return schema


def tidy(schema: dict[str, Any]) -> dict[str, Any]:
    """Titles dropped, nested ``anyOf`` flattened."""
    return _flatten_any_of(_strip_titles(schema))


def merge_quantity_descriptions(
    schema: dict[str, Any], model: type[BaseModel], docs: dict[str, str]
) -> None:
    """Where a quantity parameter also has its own text, keep both: what it is, how to write
    it (pydantic lets the field's description replace the type's)."""
    from services.tool_registry.quantity import Quantity

    for field_name, info in model.model_fields.items():
        marker = next((m for m in info.metadata if isinstance(m, Quantity)), None)
        prop = schema.get("properties", {}).get(field_name)
        if marker is None or prop is None:
            continue
        own = docs.get(field_name)
        prop["description"] = f"{own} ({marker.hint()})" if own else marker.hint()
