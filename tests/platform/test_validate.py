"""Rendered manifests against the Kubernetes 1.35 OpenAPI schemas, and the optional kinds."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest

from tests.platform.conftest import OPTIONAL_APIS, VALUES
from tests.platform.manifests import by_kind, parse_manifests

pytestmark = pytest.mark.integration

KUBERNETES_VALIDATE = Path(sys.executable).with_name("kubernetes-validate")

# kubernetes-validate knows no CRDs: these kinds only WARN there, so they are checked here
# against the fields the chart uses (closed objects: a typo fails).
_LABELS = {"type": "object", "additionalProperties": {"type": "string"}}
_METADATA = {
    "type": "object",
    "required": ["name", "labels"],
    "additionalProperties": False,
    "properties": {"name": {"type": "string"}, "labels": _LABELS},
}
CRD_SCHEMAS = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"): {
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "additionalProperties": False,
        "properties": {
            "apiVersion": {},
            "kind": {},
            "metadata": _METADATA,
            "spec": {
                "type": "object",
                "required": ["selector", "endpoints"],
                "additionalProperties": False,
                "properties": {
                    "selector": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {"matchLabels": _LABELS},
                    },
                    "endpoints": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["port"],
                            "properties": {
                                "port": {"type": "string"},
                                "path": {"type": "string"},
                                "interval": {"type": "string", "pattern": "^[0-9]+[smh]$"},
                            },
                        },
                    },
                },
            },
        },
    },
    ("gateway.networking.k8s.io/v1", "HTTPRoute"): {
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "additionalProperties": False,
        "properties": {
            "apiVersion": {},
            "kind": {},
            "metadata": _METADATA,
            "spec": {
                "type": "object",
                "required": ["hostnames", "rules"],
                "additionalProperties": False,
                "properties": {
                    "parentRefs": {
                        "type": "array",
                        "items": {"type": "object", "required": ["name"]},
                    },
                    "hostnames": {"type": "array", "items": {"type": "string"}},
                    "rules": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {
                                "matches": {"type": "array"},
                                "backendRefs": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "additionalProperties": False,
                                        "required": ["name", "port"],
                                        "properties": {
                                            "name": {"type": "string"},
                                            "port": {"type": "integer"},
                                        },
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}
UNKNOWN_KINDS = {kind for _, kind in CRD_SCHEMAS}


def kubernetes_validate(text: str, tmp_path: Path) -> list[str]:
    """Problems reported by `kubernetes-validate -k 1.35.0 --strict`, unknown CRD kinds excepted."""
    path = tmp_path / "rendered.yaml"
    path.write_text(text, encoding="utf-8")
    result = subprocess.run(
        [str(KUBERNETES_VALIDATE), "-k", "1.35.0", "--strict", "--quiet", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    lines = (result.stdout + result.stderr).splitlines()
    problems = [
        line
        for line in lines
        if line.strip() and not any(f"kind {kind} " in line for kind in UNKNOWN_KINDS)
    ]
    if result.returncode != 0 and not problems:
        problems = [f"exit status {result.returncode}"]
    return problems


@pytest.mark.parametrize("values_name", list(VALUES))
def test_rendered_manifests_pass_kubernetes_validate_strict(
    render: Callable[..., str], values_name: str, tmp_path: Path
) -> None:
    assert kubernetes_validate(render(values_name), tmp_path) == []


@pytest.mark.parametrize("values_name", ["dev", "prod"])
def test_renders_with_the_optional_apis_validate_too(
    render: Callable[..., str], values_name: str, tmp_path: Path
) -> None:
    flags = [f for api in OPTIONAL_APIS for f in ("--api-versions", api)]
    extra = (
        *flags,
        "--set",
        "global.monitoring.serviceMonitor.enabled=true",
        "--set",
        "global.ingress.httpRoute.enabled=true",
    )
    text = render(values_name, *extra)
    assert kubernetes_validate(text, tmp_path) == []
    docs = parse_manifests(text)
    crds = [m for m in docs if m.kind in UNKNOWN_KINDS]
    assert crds
    for manifest in crds:
        schema = CRD_SCHEMAS[(manifest.body["apiVersion"], manifest.kind)]
        jsonschema.validate(manifest.body, schema)


def test_optional_kinds_render_only_when_enabled_and_served(render: Callable[..., str]) -> None:
    enable = (
        "--set",
        "global.monitoring.serviceMonitor.enabled=true",
        "--set",
        "global.ingress.httpRoute.enabled=true",
    )
    apis = tuple(f for api in OPTIONAL_APIS for f in ("--api-versions", api))

    def kinds(*extra: str) -> set[str]:
        docs = parse_manifests(render("default", *extra))
        return {m.kind for m in by_kind(docs, "ServiceMonitor", "HTTPRoute")}

    assert kinds() == set()
    assert kinds(*enable) == set(), "enabled but the cluster does not serve the APIs"
    assert kinds(*apis) == set(), "served but not enabled"
    assert kinds(*enable, *apis) == {"ServiceMonitor", "HTTPRoute"}
    # One ServiceMonitor per enabled component with /metrics: the Python services and Qdrant
    # (Ollama has none; vLLM's appears in prod).
    monitors = by_kind(parse_manifests(render("default", *enable, *apis)), "ServiceMonitor")
    assert len(monitors) == 7
    everything = ("--set", "mcp.enabled=true", "--set", "tool-registry.enabled=true")
    monitors = by_kind(
        parse_manifests(render("default", *enable, *apis, *everything)), "ServiceMonitor"
    )
    assert len(monitors) == 7
