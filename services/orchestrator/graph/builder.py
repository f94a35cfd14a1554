"""Wire the graph: the nodes and every edge, in one place.

    START ─┬─► tool ─────┐      (planner: the next planned step while the budget lasts)
           ├─► retrieve ─┤
           └─► generate ◄┘ ◄── call_tools ◄── (the model called server tools)
                  └────────► END

From the start and after each planned step, the planner's edge picks the next planned step
(``tool`` or ``retrieve``) or, once the plan is done or the budget spent, ``generate``. After
``generate``, :func:`~services.orchestrator.graph.planner.after_generate` sends the model's
server tool calls to ``call_tools`` (which returns to ``generate``) and everything else to the
end. Nodes that are switched off (no registry, no retrieval) are not in the graph. The README
shows the compiled graph (``graph.get_graph().draw_mermaid()``).
"""

from __future__ import annotations

from typing import Any

from langgraph.graph import END, START, StateGraph

from services.orchestrator.graph.planner import after_generate, budget_left
from services.orchestrator.graph.state import ChatState


def build_graph(
    generate: Any,
    *,
    tool: Any = None,
    retrieve: Any = None,
    call_tools: Any = None,
    max_steps: int = 8,
) -> Any:
    """Compile the graph from its nodes (callables taking and updating the state)."""
    graph = StateGraph(ChatState)
    graph.add_node("generate", generate)
    steps = {name: node for name, node in (("tool", tool), ("retrieve", retrieve)) if node}
    for name, node in steps.items():
        graph.add_node(name, node)

    def next_step(state: ChatState) -> str:
        plan = state.get("plan") or []
        if plan and plan[0]["kind"] in steps and budget_left(state, max_steps):
            return plan[0]["kind"]
        return "generate"

    targets = {name: name for name in [*steps, "generate"]}
    graph.add_conditional_edges(START, next_step, targets)
    for name in steps:
        graph.add_conditional_edges(name, next_step, targets)
    if call_tools is not None:
        graph.add_node("call_tools", call_tools)
        graph.add_conditional_edges(
            "generate", after_generate, {"call_tools": "call_tools", END: END}
        )
        graph.add_edge("call_tools", "generate")
    else:
        graph.add_edge("generate", END)
    return graph.compile()
