"""helm lint and the values schemas: the chart's first line of defence."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
import yaml

from tests.platform.conftest import CHART, REPO, VALUES, run_helm, template_args

pytestmark = pytest.mark.integration

SUBCHARTS = sorted(p.parent.name for p in (CHART / "charts").glob("*/Chart.yaml"))
COMPONENTS = [name for name in SUBCHARTS if name != "ai-stack-lib"]


@pytest.mark.parametrize("values_name", list(VALUES))
def test_helm_lint_strict_with_subcharts_is_clean(tools: dict, values_name: str) -> None:
    args = ["lint", "--strict", "--with-subcharts", str(CHART)]
    for path in VALUES[values_name]:
        args += ["-f", str(path)]
    result = run_helm(*args, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    problems = [line for line in output.splitlines() if "[WARNING]" in line or "[ERROR]" in line]
    assert not problems, "\n".join(problems)
    assert f"{len(SUBCHARTS) + 1} chart(s) linted, 0 chart(s) failed" in output


@pytest.mark.parametrize(
    ("flag", "expected"),
    [
        # mistyped keys, at the component, a nested object and global
        ("gateway.replicaCont=2", "additional properties 'replicaCont' not allowed"),
        ("llm-runner.vllm.gpuMemoryUtilisation=0.5", "'gpuMemoryUtilisation' not allowed"),
        ("global.ingress.enable=true", "additional properties 'enable' not allowed"),
        ("gatway.enabled=true", "additional properties 'gatway' not allowed"),
    ],
)
def test_a_mistyped_values_key_makes_helm_template_fail(
    tools: dict, flag: str, expected: str
) -> None:
    result = run_helm(*template_args((), "--set", flag), check=False)
    assert result.returncode != 0
    assert expected in result.stderr


@pytest.mark.parametrize(
    ("flag", "expected"),
    [
        ("--set", "gateway.replicaCount=two"),
        ("--set-string", "asr-api.gpu.enabled=true"),
        ("--set", "global.ports.gateway=70000"),
        ("--set", "global.llm.backend=llamacpp"),
        ("--set", "global.models[0]=gpt-4o"),
        ("--set", "qdrant.persistence.storage.type=emptyDir"),
    ],
)
def test_a_wrong_type_or_value_makes_helm_template_fail(
    tools: dict, flag: str, expected: str
) -> None:
    result = run_helm(*template_args((), flag, expected), check=False)
    assert result.returncode != 0, f"{flag} {expected} rendered"
    assert "values don't meet the specifications of the schema" in result.stderr


def test_every_chart_has_a_closed_values_schema() -> None:
    umbrella = json.loads((CHART / "values.schema.json").read_text(encoding="utf-8"))
    assert umbrella["additionalProperties"] is False
    for name in COMPONENTS:
        assert umbrella["properties"][name]["additionalProperties"] is False, name
        schema = json.loads((CHART / "charts" / name / "values.schema.json").read_text())
        assert schema["additionalProperties"] is False, name
        assert "enabled" in schema["properties"], name


def test_component_objects_in_the_schemas_are_closed() -> None:
    """Every object with declared properties refuses unknown keys (except Helm's passthroughs)."""

    def walk(node: object, path: str) -> list[str]:
        open_objects = []
        if isinstance(node, dict):
            if (
                node.get("type") == "object"
                and node.get("properties")
                and (node.get("additionalProperties") is not False)
            ):
                open_objects.append(path)
            for key, value in node.items():
                open_objects += walk(value, f"{path}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                open_objects += walk(value, f"{path}[{index}]")
        return open_objects

    for path in [CHART / "values.schema.json", *CHART.glob("charts/*/values.schema.json")]:
        schema = json.loads(path.read_text(encoding="utf-8"))
        assert walk(schema, path.parent.name) == []


def test_the_schemas_are_up_to_date_with_their_generator() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "charts" / "build_schemas.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_subchart_conditions_and_vendoring() -> None:
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text(encoding="utf-8"))
    assert chart["apiVersion"] == "v2"
    deps = {d["name"]: d for d in chart["dependencies"]}
    assert set(deps) == set(SUBCHARTS)
    for name in COMPONENTS:
        assert deps[name]["condition"] == f"{name}.enabled"
        sub = yaml.safe_load((CHART / "charts" / name / "Chart.yaml").read_text(encoding="utf-8"))
        assert sub["version"] == deps[name]["version"]
        # The shared library is vendored into each subchart (a link to the umbrella's copy).
        lib = CHART / "charts" / name / "charts" / "ai-stack-lib"
        assert (lib / "Chart.yaml").exists(), name
        assert lib.resolve() == (CHART / "charts" / "ai-stack-lib").resolve()
    lib = yaml.safe_load((CHART / "charts" / "ai-stack-lib" / "Chart.yaml").read_text())
    assert lib["type"] == "library"


def test_library_global_defaults_equal_the_umbrella_values() -> None:
    """Subcharts rendered alone use the library's defaults; they must say what values.yaml says."""
    text = (CHART / "charts" / "ai-stack-lib" / "templates" / "_globals.tpl").read_text()
    block = text.split('{{- define "ai-stack-lib.globalDefaults" -}}\n', 1)[1].split(
        "{{- end -}}", 1
    )[0]
    umbrella = yaml.safe_load((CHART / "values.yaml").read_text(encoding="utf-8"))
    assert yaml.safe_load(block) == umbrella["global"]


def test_templates_never_set_a_namespace() -> None:
    """No `namespace:` key in any template (the globals' defaults name Prometheus' namespace)."""
    pattern = re.compile(r"^\s*namespace:", re.MULTILINE)
    for path in CHART.rglob("*"):
        if (
            path.is_file()
            and "templates" in path.parts
            and path.suffix in {".yaml", ".tpl"}
            and (path.name != "_globals.tpl")
        ):
            assert not pattern.search(path.read_text(encoding="utf-8")), path


@pytest.mark.parametrize("values_name", list(VALUES))
def test_notes_print_the_url_cursor_settings_and_port_forwards(
    tools: dict, values_name: str
) -> None:
    args = ["install", "ai-stack", str(CHART), "--dry-run=client", "--namespace", "ai-stack"]
    for path in VALUES[values_name]:
        args += ["-f", str(path)]
    notes = run_helm(*args).stdout.split("NOTES:", 1)[1]
    assert "kubectl -n ai-stack port-forward svc/ai-stack-gateway 8080:8080" in notes
    assert "get secret ai-stack-gateway-api-keys" in notes
    assert "helm test ai-stack" in notes
    if values_name == "prod":
        assert "Override OpenAI Base URL: https://ai.example.com/v1" in notes
    elif values_name == "dev":
        assert "Override OpenAI Base URL: http://ai-stack.localtest.me/v1" in notes
        assert "TLS is OFF" in notes
    else:
        assert "enable global.ingress with a public host and TLS" in notes
