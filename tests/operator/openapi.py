"""A CRD's ``openAPIV3Schema`` as JSON Schema, read the way the API server reads objects.

Objects with declared properties are closed (unknown fields fail, as with
``fieldValidation=Strict``) unless ``x-kubernetes-preserve-unknown-fields``;
``x-kubernetes-int-or-string`` accepts both; ``nullable`` adds null; OpenAPI 3.0's boolean
``exclusiveMinimum`` becomes JSON Schema's number form. CEL rules
(``x-kubernetes-validations``) do not run here: the operator's spec models check the same rules
(tests/operator/test_crds.py compares them).
"""

from __future__ import annotations

from typing import Any


def to_json_schema(node: Any) -> Any:
    if isinstance(node, list):
        return [to_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: to_json_schema(v) for k, v in node.items() if not k.startswith("x-kubernetes-")}
    for key in ("exclusiveMinimum", "exclusiveMaximum"):
        bound = "minimum" if key == "exclusiveMinimum" else "maximum"
        if out.get(key) is True:
            out[key] = out.pop(bound)
        elif out.get(key) is False:
            out.pop(key)
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if node.get("nullable"):
        out.pop("nullable")
        if "type" in out:
            out["type"] = [out["type"], "null"]
    if (
        out.get("type") == "object"
        and "properties" in out
        and "additionalProperties" not in out
        and not node.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    if "properties" in node and "properties" in out:
        out["properties"] = {k: to_json_schema(v) for k, v in node["properties"].items()}
    return out
