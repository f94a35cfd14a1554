"""Wire the graph: the nodes and every edge, in one place.

    START ─┬─► tool ─────┐      (planner: the next planned step while the budget lasts)
           ├─► retrieve ─┤
           └─► generate ◄┘ ◄── call_tools ◄── (the model called server tools)
                  └────────► END

From the start and after each planned step, the planner picks the next planned step (``tool``
or ``retrieve``) or, once the plan is done or the budget spent, ``generate``. After
``generate``, :func:`~services.orchestrator.graph.planner.after_generate` sends the model's
server tool calls to ``call_tools`` (which returns to ``generate``) and everything else to the
end. Nodes that are switched off (no registry, no retrieval) are not in the graph.

How the edges are made matters for speed: each node returns a LangGraph ``Command`` naming the
next node (about 0.15 ms a hop here), not a conditional edge, whose branch runnable costs
LangGraph about 0.35 ms per decision (measured; bench/orchestrator_perf.py). The first step is
chosen the same way: the graph is compiled once per possible first node, and a run starts in
the one its plan begins with. The README shows the graph (``draw_mermaid()``).
"""

from __future__ import annotations

from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.types import Command

from services.orchestrator.graph.planner import after_generate, budget_left
from services.orchestrator.graph.state import ChatState


class OrchestrationGraph:
    """The compiled graph, once per first node; ``ainvoke`` and ``astream`` start each run in
    the one its plan begins with."""

    def __init__(self, graphs: dict[str, Any], first: Any) -> None:
        self._graphs = graphs
        self._first = first

    def _for(self, state: ChatState) -> Any:
        return self._graphs[self._first(state)]

    async def ainvoke(self, state: ChatState, config: Any = None) -> Any:
        return await self._for(state).ainvoke(state, config=config)

    def astream(self, state: ChatState, **kwargs: Any) -> Any:
        return self._for(state).astream(state, **kwargs)

    def get_graph(self) -> Any:
        """The graph to draw: every node and every edge a run can take."""
        return self._graphs["drawing"].get_graph()


def _routed(node: Any, route: Any) -> Any:
    """``node``'s update, with the next node chosen from the state it leaves."""

    async def step(state: ChatState) -> Command[str]:
        update = await node(state)
        return Command(update=update, goto=route({**state, **update}))

    return step


def build_graph(
    generate: Any,
    *,
    tool: Any = None,
    retrieve: Any = None,
    call_tools: Any = None,
    max_steps: int = 8,
) -> OrchestrationGraph:
    """Compile the graph from its nodes (callables taking the state, returning an update)."""
    steps = {name: node for name, node in (("tool", tool), ("retrieve", retrieve)) if node}

    def next_step(state: ChatState) -> str:
        plan = state.get("plan") or []
        if plan and plan[0]["kind"] in steps and budget_left(state, max_steps):
            return plan[0]["kind"]
        return "generate"

    def compile_from(first: str | None) -> Any:
        graph = StateGraph(ChatState)
        choices = (*steps, "generate")
        for name, node in steps.items():
            graph.add_node(name, _routed(node, next_step), destinations=choices)
        if call_tools is not None:
            ends = ("call_tools", END)
            graph.add_node("generate", _routed(generate, after_generate), destinations=ends)
            graph.add_node("call_tools", call_tools)
            graph.add_edge("call_tools", "generate")
        else:
            graph.add_node("generate", generate)
            graph.add_edge("generate", END)
        if first is not None:
            graph.add_edge(START, first)
        else:  # the drawing: every first step the planner may choose
            graph.add_conditional_edges(START, next_step, {c: c for c in choices})
        return graph.compile()

    graphs = {name: compile_from(name) for name in (*steps, "generate")}
    graphs["drawing"] = compile_from(None)
    return OrchestrationGraph(graphs, next_step)
