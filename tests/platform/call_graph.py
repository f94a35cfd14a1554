"""Who calls whom, read from the services' code: the NetworkPolicies must allow these calls
and only these (issue #16). A peer is reached through one of the kit's peer settings
(``settings.rag_base_url`` ...) or, for the model runner, the kit's LLM client; the AST of each
service's package says which it uses."""

from __future__ import annotations

import ast
from functools import cache

from services.kit.settings import StackSettings
from tests.platform.components import PACKAGES, REPO

# The kit's peer settings → the chart component they reach.
PEER_SETTINGS = {
    "orchestrator_base_url": "orchestrator",
    "rag_base_url": "rag-api",
    "asr_base_url": "asr-api",
    "tools_base_url": "tool-registry",
    "mcp_base_url": "mcp",
    "qdrant_url": "qdrant",
}
# The one client for every LLM runner (services/kit/llm.py): the chart's llm-runner.
LLM_CLIENT = ("services.kit.llm", "LLMClient")


def unmapped_peer_settings() -> set[str]:
    """The kit's peer URL properties this module does not map (a new peer must be added here);
    llm_base_url is the runner's, reached through the LLM client."""
    names = {n for n in dir(StackSettings) if n.endswith("_base_url")} - {"llm_base_url"}
    return names - set(PEER_SETTINGS)


def calls_of(package: str) -> set[str]:
    """The components a service package's code calls."""
    callees = set()
    for path in (REPO / "services" / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in PEER_SETTINGS:
                callees.add(PEER_SETTINGS[node.attr])
            elif isinstance(node, ast.ImportFrom) and node.module == LLM_CLIENT[0]:
                if any(alias.name == LLM_CLIENT[1] for alias in node.names):
                    callees.add("llm-runner")
    return callees


def python_services() -> dict[str, str]:
    """Chart component → package, for the stack's Python services (not image variants such as
    asr-api-gpu, nor components that are not services/ packages)."""
    return {
        component: package
        for component, package in PACKAGES.items()
        if not component.endswith("-gpu") and (REPO / "services" / package / "__main__.py").exists()
    }


@cache
def call_graph() -> dict[str, frozenset[str]]:
    """Chart component → the components its code calls (every deployable component)."""
    graph = {
        component: frozenset(calls_of(package)) for component, package in python_services().items()
    }
    return {**graph, "qdrant": frozenset(), "llm-runner": frozenset()}


def callers_of(component: str) -> set[str]:
    return {caller for caller, callees in call_graph().items() if component in callees}
