"""Every service's OpenAPI fuzzed in process (tests/hardening/fuzzing.py), one test per entry
of tests/hardening/targets.py: no 5xx, every 4xx in the OpenAI error shape, 2xx as declared,
and generated bodies that reach the peers behind the routes. A few hundred cases per service
here; the slow tier sends more than a thousand each, with other seeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hardening.conftest import FUZZ_FIGURES
from tests.hardening.fuzzing import FuzzReport, fuzz
from tests.hardening.targets import TARGETS, FuzzTarget

pytestmark = pytest.mark.unit

DEFAULT_CASES = 300
SLOW_CASES = 1200


def _check(report: FuzzReport, target: FuzzTarget, cases: int) -> None:
    found = "\n".join(f"  {f}" for f in report.found.values())
    assert not report.found, f"{target}: {len(report.found)} kinds of failure\n{found}"
    assert report.server_errors == 0, report.line()
    assert report.cases >= cases, report.line()
    for path in target.must_reach:
        # The documented schema lets generated bodies through to the peer behind the route.
        assert report.reached.get(path, 0) > 0, f"{target}: nothing reached {path}: {report}"
    for label in target.must_succeed:
        statuses = report.by_operation.get(label, {})
        assert statuses.get(200, 0) > 0, f"{target}: no 200 from {label}: {dict(statuses)}"


@pytest.mark.parametrize("target", TARGETS, ids=str)
def test_fuzz(target: FuzzTarget, tmp_path: Path) -> None:
    report = fuzz(target, DEFAULT_CASES, tmp_path)
    FUZZ_FIGURES.append(("default", report.line()))
    _check(report, target, DEFAULT_CASES)


@pytest.mark.slow
@pytest.mark.parametrize("target", TARGETS, ids=str)
def test_fuzz_long(target: FuzzTarget, tmp_path: Path) -> None:
    report = fuzz(target, SLOW_CASES, tmp_path, base_seed=1000)
    FUZZ_FIGURES.append(("slow", report.line()))
    _check(report, target, SLOW_CASES)
