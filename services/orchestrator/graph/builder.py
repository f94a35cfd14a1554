"""Wire the graph. Evidence-gathering nodes (retrieve, tools, transcripts) slot in before
``generate`` through ``pre_generate``; the generate node and the API stay as they are."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langgraph.graph import END, START, StateGraph

from services.orchestrator.graph.generate import GenerateNode
from services.orchestrator.graph.state import ChatState

NamedNode = tuple[str, Any]


def build_graph(generate: GenerateNode, pre_generate: Sequence[NamedNode] = ()) -> Any:
    """Compile START → *pre_generate (in order) → generate → END."""
    graph = StateGraph(ChatState)
    previous = START
    for name, node in pre_generate:
        graph.add_node(name, node)
        graph.add_edge(previous, name)
        previous = name
    graph.add_node("generate", generate)
    graph.add_edge(previous, "generate")
    graph.add_edge("generate", END)
    return graph.compile()
