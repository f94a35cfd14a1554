"""checkov on the rendered chart: every finding is either fixed or listed with its reason in
charts/ai-stack/checkov-skips.yaml (the one place skips live)."""

from __future__ import annotations

import fnmatch
import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.platform.conftest import CHART, VALUES

pytestmark = pytest.mark.integration

SKIPS_FILE = CHART / "checkov-skips.yaml"


def load_skips() -> list[dict]:
    return yaml.safe_load(SKIPS_FILE.read_text(encoding="utf-8"))["skips"]


def skip_for(finding: dict, values_name: str, skips: list[dict]) -> dict | None:
    for skip in skips:
        if skip["id"] != finding["check_id"]:
            continue
        if values_name not in skip.get("values", list(VALUES)):
            continue
        if any(fnmatch.fnmatchcase(finding["resource"], p) for p in skip["resources"]):
            return skip
    return None


@pytest.fixture(scope="session")
def checkov_findings(
    tools: dict[str, Path], render: Callable[..., str], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, list[dict]]:
    """checkov's failed checks per values set (one checkov run each: it is the slow part)."""
    findings = {}
    for values_name in VALUES:
        directory = tmp_path_factory.mktemp(f"checkov-{values_name}")
        (directory / "rendered.yaml").write_text(render(values_name), encoding="utf-8")
        result = subprocess.run(
            [
                str(tools["checkov"]),
                "--framework",
                "kubernetes",
                "--skip-download",
                "--quiet",
                "--compact",
                "--output",
                "json",
                "--directory",
                str(directory),
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        report = json.loads(result.stdout)
        report = report[0] if isinstance(report, list) else report
        assert report["summary"]["parsing_errors"] == 0, result.stderr
        assert report["summary"]["resource_count"] > 0
        findings[values_name] = report["results"]["failed_checks"]
    return findings


def test_every_skip_states_its_reason() -> None:
    for skip in load_skips():
        assert {"id", "name", "resources", "reason"} <= set(skip), skip
        assert len(skip["reason"].split()) >= 8, f"{skip['id']}: say why"
        assert set(skip.get("values", VALUES)) <= set(VALUES)


@pytest.mark.parametrize("values_name", list(VALUES))
def test_checkov_passes_except_the_listed_skips(
    checkov_findings: dict[str, list[dict]], values_name: str
) -> None:
    skips = load_skips()
    unexplained = sorted(
        f"{f['check_id']} {f['resource']}: {f['check_name']}"
        for f in checkov_findings[values_name]
        if skip_for(f, values_name, skips) is None
    )
    assert unexplained == [], "fix these or list them in charts/ai-stack/checkov-skips.yaml"


def test_no_skip_is_stale(checkov_findings: dict[str, list[dict]]) -> None:
    skips = load_skips()
    used = {
        skip["id"]
        for values_name, findings in checkov_findings.items()
        for f in findings
        if (skip := skip_for(f, values_name, skips)) is not None
    }
    assert {s["id"] for s in skips} - used == set(), "remove skips that match nothing"
