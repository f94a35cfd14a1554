"""The CRDs (charts/ai-stack/charts/operator/crds/) and the example resources (k8s/examples/).

Structural schemas (apiextensions.k8s.io/v1) with required fields, enums, defaults, a status
subresource whose fields are declared, printer columns that point at declared fields; every
example validates against its CRD (jsonschema over the openAPIV3Schema, read strictly) and
passes the operator's own spec checks; the CEL rules and the Python checks agree.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from operators.desired import spec as specs
from operators.desired.tools import definition_hash
from tests.operator.conftest import CRDS, EXAMPLES
from tests.operator.openapi import to_json_schema

pytestmark = pytest.mark.unit

KINDS = {"Model": "models", "KnowledgeBase": "knowledgebases", "ToolPlugin": "toolplugins"}
PARSERS = {
    "Model": specs.parse_model,
    "KnowledgeBase": specs.parse_knowledge_base,
    "ToolPlugin": specs.parse_tool_plugin,
}


def crd(kind: str) -> dict[str, Any]:
    return yaml.safe_load((CRDS / f"{KINDS[kind]}.aistack.dev.yaml").read_text(encoding="utf-8"))


def version(kind: str) -> dict[str, Any]:
    (only,) = crd(kind)["spec"]["versions"]
    return only


def schema(kind: str) -> dict[str, Any]:
    return version(kind)["schema"]["openAPIV3Schema"]


def examples() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(EXAMPLES.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc and doc["kind"] in KINDS:
                found.append((path.name, doc))
    return found


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_crd_shape(kind: str) -> None:
    body = crd(kind)
    assert body["apiVersion"] == "apiextensions.k8s.io/v1"
    assert body["metadata"]["name"] == f"{KINDS[kind]}.aistack.dev"
    assert body["spec"]["group"] == "aistack.dev"
    assert body["spec"]["scope"] == "Namespaced"
    assert body["spec"]["names"]["kind"] == kind
    v = version(kind)
    assert (v["name"], v["served"], v["storage"]) == ("v1alpha1", True, True)
    assert v["subresources"] == {"status": {}}
    top = schema(kind)
    assert top["required"] == ["spec"]
    assert top["properties"]["spec"]["required"]
    status = top["properties"]["status"]
    assert status["type"] == "object" and {"phase", "conditions", "observedGeneration"} <= set(
        status["properties"]
    )
    assert "x-kubernetes-preserve-unknown-fields" not in status, "declare the status fields"


def _walk(node: dict[str, Any], path: str = "") -> list[tuple[str, dict[str, Any]]]:
    found = [(path, node)]
    for name, child in (node.get("properties") or {}).items():
        found += _walk(child, f"{path}.{name}")
    if isinstance(node.get("items"), dict):
        found += _walk(node["items"], f"{path}[]")
    return found


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_schemas_are_structural(kind: str) -> None:
    """Every node has a type (or preserves unknown fields / is int-or-string), objects name
    their properties, and defaults are valid for their node."""
    for path, node in _walk(schema(kind)):
        if path.endswith(".metadata"):
            assert node == {"type": "object"}
            continue
        assert "type" in node or node.get("x-kubernetes-int-or-string"), path
        if node.get("type") == "object" and not node.get("x-kubernetes-preserve-unknown-fields"):
            assert "properties" in node, path
        if "default" in node:
            jsonschema.validate(node["default"], to_json_schema(node))
        for rule in node.get("x-kubernetes-validations", []):
            assert rule["rule"] and rule["message"], path


def test_enums_and_defaults_where_the_issue_names_them() -> None:
    spec = schema("Model")["properties"]["spec"]["properties"]
    assert spec["engine"]["enum"] == ["ollama", "vllm", "llamacpp", "external"]
    assert spec["runtime"]["enum"] == ["deployment", "kserve", "rayservice"]
    assert spec["runtime"]["default"] == "deployment"
    assert spec["resources"]["properties"]["profile"]["enum"] == ["cpu", "nvidia-gpu"]
    assert spec["resources"]["properties"]["gpus"]["default"] == 1
    assert spec["replicas"]["default"] == 1
    assert set(spec["source"]["properties"]) == {"ollama", "path", "url"}
    kb = schema("KnowledgeBase")["properties"]["spec"]["properties"]
    assert kb["domain"]["enum"] == ["chem", "mech", "materials"]
    assert set(kb["sources"]["items"]["properties"]) == {"configMap", "pvc", "url"}
    assert kb["allowPrivateUrls"]["default"] is False
    assert "schedule" in kb


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_printer_columns_point_at_declared_fields(kind: str) -> None:
    columns = version(kind)["additionalPrinterColumns"]
    assert {c["name"] for c in columns} >= {"Phase", "Age"}
    paths = {p for p, _ in _walk(schema(kind))}
    for column in columns:
        path = column["jsonPath"]
        if path == ".metadata.creationTimestamp":
            continue
        assert path in paths, f"{kind}: {column['name']} -> {path}"


def test_crds_pass_kubernetes_validate(tmp_path: Path) -> None:
    validator = Path(sys.executable).with_name("kubernetes-validate")
    result = subprocess.run(
        [str(validator), "-k", "1.35.0", "--strict", "--quiet", *map(str, CRDS.glob("*.yaml"))],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_there_is_an_example_for_each_case_the_issue_lists() -> None:
    found = {
        (doc["kind"], doc["spec"].get("engine"), doc["spec"].get("runtime"))
        for _, doc in examples()
    }
    assert ("Model", "ollama", None) in found
    assert ("Model", "vllm", None) in found
    assert ("Model", "vllm", "kserve") in found
    assert ("Model", "vllm", "rayservice") in found
    assert {k for k, _, _ in found} == set(KINDS)
    gpu = next(d for _, d in examples() if d["metadata"]["name"] == "mistral-7b")
    assert gpu["spec"]["resources"]["profile"] == "nvidia-gpu"


@pytest.mark.parametrize(
    ("file", "doc"), examples(), ids=lambda v: v if isinstance(v, str) else v["metadata"]["name"]
)
def test_every_example_validates_against_its_crd(file: str, doc: dict[str, Any]) -> None:
    assert doc["apiVersion"] == "aistack.dev/v1alpha1", file
    jsonschema.validate(doc, to_json_schema(schema(doc["kind"])))
    PARSERS[doc["kind"]](doc["spec"])  # and the operator's own checks


# Specs the CRD's CEL rules refuse, with the rule's message: the operator says the same.
BAD_MODELS = [
    ({"engine": "ollama", "source": {"path": "x"}}, "engine ollama needs source.ollama"),
    ({"engine": "vllm", "source": {"ollama": "x"}}, "engines vllm and llamacpp need source.path"),
    (
        {"engine": "external", "source": {"url": "https://x/v1"}},
        "engine external needs source.url and servedName",
    ),
    (
        {"engine": "llamacpp", "runtime": "kserve", "source": {"path": "m.gguf"}},
        "runtimes kserve and rayservice serve engine vllm only",
    ),
    (
        {"engine": "vllm", "backend": "openai", "source": {"path": "m"}},
        "backend is for engine external only",
    ),
    (
        {"id": "gpt-4o", "engine": "ollama", "source": {"ollama": "x"}},
        "id must not start with gpt-",
    ),
    (
        {"engine": "vllm", "source": {"path": "../etc"}},
        "source.path is relative to the models volume",
    ),
]


def _cel_messages(node: dict[str, Any]) -> list[str]:
    return [
        m
        for _, n in _walk(node)
        for m in (r["message"] for r in n.get("x-kubernetes-validations", []))
    ]


@pytest.mark.parametrize(("spec", "message"), BAD_MODELS)
def test_cel_rules_and_the_operator_agree(spec: dict[str, Any], message: str) -> None:
    cel = _cel_messages(schema("Model")["properties"]["spec"])
    assert any(m.startswith(message) for m in cel), f"no CEL rule says {message!r}"
    jsonschema.validate(spec, to_json_schema(schema("Model")["properties"]["spec"]))
    with pytest.raises(specs.SpecError, match=re.escape(message)):
        specs.parse_model(spec)


def test_knowledge_base_rules() -> None:
    cel = _cel_messages(schema("KnowledgeBase")["properties"]["spec"])
    assert any("without '..'" in m for m in cel)
    with pytest.raises(specs.SpecError, match=re.escape("without '..'")):
        specs.parse_knowledge_base({"sources": [{"pvc": {"claimName": "c", "path": "a/../b"}}]})
    with pytest.raises(specs.SpecError, match="exactly one of"):
        specs.parse_knowledge_base({"sources": [{"url": "https://x", "pvc": {"claimName": "c"}}]})
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {"sources": [{"url": "https://x", "pvc": {"claimName": "c"}}]},
            to_json_schema(schema("KnowledgeBase")["properties"]["spec"]),
        )


def test_tool_plugin_manifest_schema_follows_the_registry() -> None:
    """The CRD's manifest fields are the tool registry's Manifest fields, and the hash the
    operator expects is the one the registry computes."""
    from services.tool_registry.definition import definition_hash as registry_hash
    from services.tool_registry.manifest import Manifest

    declared = schema("ToolPlugin")["properties"]["spec"]["properties"]["manifest"]
    assert set(declared["properties"]) == set(Manifest.model_fields)
    required = {n for n, f in Manifest.model_fields.items() if f.is_required()}
    assert set(declared["required"]) == required
    (_, plugin) = next((f, d) for f, d in examples() if d["kind"] == "ToolPlugin")
    manifest = plugin["spec"]["manifest"]
    Manifest.model_validate(manifest)
    assert definition_hash(manifest) == registry_hash(
        manifest["description"], manifest["parameters"]
    )
