"""Chart component name → the Python package under services/ that it runs."""

from __future__ import annotations

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
