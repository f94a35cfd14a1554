"""Chart component name → the Python package under services/ that it runs."""

from __future__ import annotations

import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

PACKAGES = {
    "gateway": "gateway",
    "orchestrator": "orchestrator",
    "asr-api": "asr",
    # The prod profile's asr-api image, with the CUDA libraries (skaffold.yaml).
    "asr-api-gpu": "asr",
    "rag-api": "rag",
    "mcp": "mcp",
    "tool-registry": "tool_registry",
    # Not a service: the image runs operators/ (PACKAGE_DIR, MODULE in skaffold.yaml).
    "operator": "operator",
}


def package_of(component: str) -> str:
    return PACKAGES[component]


def _buildargs():
    spec = importlib.util.spec_from_file_location("buildargs", REPO / "docker" / "buildargs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def image_table(profile: str | None = "*") -> dict[str, dict[str, str]]:
    """Image → the build args of its image (docker/Dockerfile), as skaffold.yaml lists them
    and `make build` uses them (docker/buildargs.py): every image any profile builds ("*"),
    the base ones (None) or one profile's."""
    buildargs = _buildargs()
    return buildargs.every_image() if profile == "*" else buildargs.images(profile)
