"""What the orchestrator's graph adds per step, and what a planner decision costs.

Same run, same process, interleaved rounds (load on the shared machine hits every variant):

1. **Bare generate path**: a graph with nothing planned; the model is an in-process stand-in
   that answers at once, so the figure is the graph's own cost per chat.
2. **One tool step**: the same chat with one planned call of a real registry process's
   ``convert_units`` (over HTTP, the kit's peer layer). The *work* is that same call made
   directly with the same client; the step's overhead = (path with the step - bare path) - work.
3. **One retrieval step**: a planned retrieval against a loopback rag-api stand-in that answers
   a fixed passage; work = the same POST made directly.
4. **Planner decisions**: ``Planner.plan`` on a set of questions (unit, calculator, domain,
   recording, nothing to do) with the gateway's real conditioning.

Targets (issue 14): a step adds <= 1 ms beyond the work it calls; a decision <= 0.5 ms.
Run: ``.venv/bin/python -m bench.orchestrator_perf [--rounds 5] [--requests 300]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from services.gateway.conditioning.extract import Extractor
from services.kit.peer import PeerClient
from services.kit.settings import StackSettings
from services.orchestrator.graph.builder import build_graph
from services.orchestrator.graph.generate import GenerateNode
from services.orchestrator.graph.planner import Planner, load_rules
from services.orchestrator.graph.retrieve import RetrieveNode, retrieval_request
from services.orchestrator.graph.tool_step import ToolNode
from services.orchestrator.tools.registry import ToolRegistry
from tests.conftest import free_port
from tests.handler_server import serve_handler
from tests.service_process import start_service

KEY = "sk-bench-orchestrator-0123456789"
QUESTIONS = [
    "Convert 300 °F to kelvin",
    "Reynolds number for water at 2 m/s in a 50 mm pipe",
    "Hoop stress for a 500 mm diameter vessel with a 10 mm wall at 2 MPa?",
    "What preload should an M12 class 8.8 bolt get?",
    "What load was mentioned in the lab recording?",
    "Explain how a catalyst works.",
]


class InstantLLM:
    """Answers at once: what remains is the graph's own cost."""

    async def complete(self, messages: list[dict[str, Any]], **params: Any) -> dict[str, Any]:
        return {
            "id": "x", "object": "chat.completion", "created": 1, "model": "m",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": "ok"}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }  # fmt: skip


def _state(plan: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "completion_id": "c", "created": 1, "public_model": "ai-stack",
        "messages": [{"role": "user", "content": "Convert 3 bar to kPa"}],
        "params": {}, "stream": False, "include_usage": False, "context": [],
        "plan": plan, "steps": [], "steps_taken": 0, "deadline": time.monotonic() + 600,
        "stop": None, "conditioning": None,
    }  # fmt: skip


async def _timed(work: Any, n: int) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        await work()
        out.append((time.perf_counter() - started) * 1000)
    return out


def _med(values: list[float]) -> float:
    return statistics.median(values)


async def steps(registry_url: str, rag_url: str, rounds: int, n: int) -> dict[str, list[float]]:
    settings = StackSettings()
    registry_client = PeerClient(
        settings, registry_url, name="the tool registry", headers={"Authorization": f"Bearer {KEY}"}
    )
    rag_client = PeerClient(settings, rag_url, name="rag-api")
    registry = ToolRegistry(registry_client)
    tool_action = {"kind": "tool", "tool": "convert_units",
                   "arguments": {"quantity": "3 bar", "to": "kPa"}, "why": "bench"}  # fmt: skip
    request = retrieval_request("M12 bolt preload", None)
    retrieve_action = {"kind": "retrieve", "tool": "documents", "arguments": request, "why": "b"}
    graph = build_graph(
        GenerateNode(InstantLLM()),  # type: ignore[arg-type]
        tool=ToolNode(registry, 10),
        retrieve=RetrieveNode(rag_client, 10),
    )
    variants = {
        "bare": lambda: graph.ainvoke(_state([])),
        "tool_path": lambda: graph.ainvoke(_state([tool_action])),
        "tool_work": lambda: registry.invoke("convert_units", tool_action["arguments"], 10),
        "retrieve_path": lambda: graph.ainvoke(_state([retrieve_action])),
        "retrieve_work": lambda: rag_client.post("/retrieve", json=request),
    }
    results: dict[str, list[float]] = {k: [] for k in variants}
    for work in variants.values():  # warm up connections, caches and LangGraph
        await _timed(work, 20)
    for _ in range(rounds):
        for name, work in variants.items():
            results[name].append(_med(await _timed(work, n)))
    await registry_client.aclose()
    await rag_client.aclose()
    return results


def planner_decisions(n: int) -> list[float]:
    extractor = Extractor()
    from services.orchestrator.tools.model import ServerTool

    registry = [
        ServerTool("tools__convert_units", "tools", "convert_units", "", {}, {}, ("quantity",)),
        ServerTool("tools__reynolds_regime", "tools", "reynolds_regime", "", {},
                   {"density": "density", "velocity": "velocity", "length": "length",
                    "viscosity": "dynamic_viscosity"},
                   ("density", "velocity", "length", "viscosity")),
        ServerTool("tools__hoop_stress", "tools", "hoop_stress", "", {},
                   {"pressure": "pressure", "diameter": "length", "wall_thickness": "length"},
                   ("pressure", "diameter", "wall_thickness")),
    ]  # fmt: skip
    planner = Planner(load_rules(), retrieval=True, tools=True)
    conditioned = [(q, extractor.run(q).model_dump()) for q in QUESTIONS]
    for q, c in conditioned:  # warm
        planner.plan(q, c, registry)
    out = []
    for _ in range(n):
        for q, c in conditioned:
            started = time.perf_counter()
            planner.plan(q, c, registry)
            out.append((time.perf_counter() - started) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()

    passage = {"id": "c1", "content": "M12 8.8: preload 40 kN.", "score": 1.0,
               "citation": {"source": "bolting.md", "chunk_id": "c1"}}  # fmt: skip

    def rag(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"documents": [passage]})

    work = Path(tempfile.mkdtemp(prefix="bench-orch-"))
    (work / "plugins").mkdir()
    port = free_port()
    env = {
        **os.environ,
        "TOOLS_PORT": str(port),
        "PLUGINS_DIR": str(work / "plugins"),
        "GATEWAY_API_KEYS": KEY,
        "AISTACK_HOME": str(work / "home"),
        "LOG_LEVEL": "warning",
    }
    registry = start_service("tool_registry", env, port, work, cwd=work, timeout_s=90)
    try:
        with serve_handler(rag) as rag_url:
            results = asyncio.run(steps(registry.base_url, rag_url, args.rounds, args.requests))
    finally:
        registry.stop()
    decisions = planner_decisions(max(50, args.requests // 3))

    med = {k: _med(v) for k, v in results.items()}

    def overhead(path: str, work: str) -> list[float]:
        rows = zip(results[path], results["bare"], results[work], strict=True)
        return [p - b - w for p, b, w in rows]

    tool_overhead = overhead("tool_path", "tool_work")
    retr_overhead = overhead("retrieve_path", "retrieve_work")
    print(f"orchestrator graph, {args.rounds} interleaved rounds x {args.requests} requests "
          "(medians of round medians, ms)")  # fmt: skip
    print(f"  bare generate path (nothing planned)      {med['bare']:7.3f}")
    print(f"  one tool step (registry convert_units)    {med['tool_path']:7.3f}"
          f"   work alone {med['tool_work']:6.3f}")  # fmt: skip
    print(f"  one retrieval step (loopback rag-api)     {med['retrieve_path']:7.3f}"
          f"   work alone {med['retrieve_work']:6.3f}")  # fmt: skip
    print(f"  tool step overhead beyond its work        {_med(tool_overhead):7.3f}"
          f"   [{min(tool_overhead):.3f}-{max(tool_overhead):.3f}]  target <= 1 ms")  # fmt: skip
    print(f"  retrieval step overhead beyond its work   {_med(retr_overhead):7.3f}"
          f"   [{min(retr_overhead):.3f}-{max(retr_overhead):.3f}]  target <= 1 ms")  # fmt: skip
    ordered = sorted(decisions)
    p99 = ordered[int(0.99 * (len(ordered) - 1))]
    print(f"  planner decision p50 / p99                {_med(decisions):7.3f} / {p99:.3f}"
          "   target <= 0.5 ms")  # fmt: skip


if __name__ == "__main__":
    main()
