"""Chart component name → the Python package under services/ that it runs."""

from __future__ import annotations

from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]

PACKAGES = {
    "gateway": "gateway",
    "orchestrator": "orchestrator",
    "asr-api": "asr",
    "rag-api": "rag",
    "mcp": "mcp",
    "tool-registry": "tool_registry",
}


def package_of(component: str) -> str:
    return PACKAGES[component]


def image_table() -> dict[str, dict[str, str]]:
    """Component → the build args of its image (docker/Dockerfile), as skaffold.yaml lists
    them and `make build` uses them (docker/buildargs.py)."""
    skaffold = yaml.safe_load((REPO / "skaffold.yaml").read_text(encoding="utf-8"))
    return {
        a["image"].removeprefix("ai-stack/"): {
            k: str(v) for k, v in a["docker"].get("buildArgs", {}).items()
        }
        for a in skaffold["build"]["artifacts"]
    }
