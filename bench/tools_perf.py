"""Tool registry performance: invoke latency through the service against the same work done
directly, ``GET /tools`` with 200 registered tools, and how soon a dropped file is visible.

    .venv/bin/python -m bench.tools_perf [--calls 300] [--drops 5]

The service is a real ``python -m services.tool_registry`` on a free loopback port with its own
plugins folder; the baselines run in this process, in the same run, interleaved call by call
with the service calls so that load from anything else on the machine falls on both alike:

- built-in (runs in the registry's process): the same function called directly;
- dropped-in Python plugin (runs in a worker process): the same function called directly;
- YAML CLI tool (``wc -w`` with the text on stdin): the bare spawn of the same program
  (``subprocess.run``), which is what the tool costs without the registry.

Targets (issue #12): overhead over direct p50 ≤ 2 ms (built-in), ≤ 5 ms (Python plugin),
≤ 15 ms (CLI); ``GET /tools`` with 200 tools ≤ 5 ms p50; a dropped file visible ≤ 2 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from bench.procs import free_port
from tests.service_process import ServiceProcess, start_service

KEY = "sk-bench-tools-0123456789abcdef"
TEXT = "the quick brown fox jumps over the lazy dog " * 4

PLUGIN = '''
import pluggy
hookimpl = pluggy.HookimplMarker("aistack")

def bench_reynolds(density: float, velocity: float, length: float, viscosity: float) -> float:
    """Reynolds number Re = rho*v*L/mu (SI units)."""
    return density * velocity * length / viscosity

@hookimpl
def aistack_tools():
    return [bench_reynolds]
'''

MANIFEST = """
name: bench_wc
description: Count the words of a text
parameters:
  type: object
  properties: {text: {type: string}}
  required: [text]
argv: ["wc", "-w"]
stdin: "{text}"
timeout_s: 5
"""


def many_tools(count: int) -> str:
    """A plugin file with ``count`` small tools (to fill the catalog to 200)."""
    defs = "\n".join(
        f"def bench_tool_{i:03d}(x: float, y: float = 1.0) -> float:\n"
        f'    """Tool number {i}: x times y.\n\n    Args:\n        x: a number.\n'
        f'        y: another number.\n    """\n    return x * y\n'
        for i in range(count)
    )
    names = ", ".join(f"bench_tool_{i:03d}" for i in range(count))
    return (f'import pluggy\nhookimpl = pluggy.HookimplMarker("aistack")\n\n{defs}\n'
            f"@hookimpl\ndef aistack_tools():\n    return [{names}]\n")  # fmt: skip


def start(plugins: Path) -> ServiceProcess:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOOLS_", "GATEWAY_"))}
    env.update(
        TOOLS_PORT=str(port),
        PLUGINS_DIR=str(plugins),
        GATEWAY_API_KEYS=KEY,
        AISTACK_HOME=str(plugins.parent / "home"),
    )
    try:
        service = start_service("tool_registry", env, port, plugins.parent, timeout_s=120)
    except AssertionError as exc:
        raise SystemExit(str(exc)) from None
    if service.proc.returncode is not None:
        raise SystemExit(f"the registry exited:\n{service.output()}")
    return service


def timed(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def compare(calls: int, direct: Callable[[], Any], served: Callable[[], Any]) -> dict[str, float]:
    for _ in range(20):  # warm both sides: caches, the worker's import of the plugin
        direct()
        served()
    a, b = [], []
    for _ in range(calls):
        a.append(timed(direct))
        b.append(timed(served))
    return {"direct_p50": statistics.median(a), "direct_p99": percentile(a, 99),
            "p50": statistics.median(b), "p99": percentile(b, 99)}  # fmt: skip


def wait_for(http: httpx.Client, name: str, present: bool, timeout_s: float = 30) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout_s:
        names = {t["function"]["name"] for t in http.get("/tools").json()["tools"]}
        if (name in names) == present:
            return time.perf_counter() - started
        time.sleep(0.005)
    raise SystemExit(f"{name} did not {'appear' if present else 'go'} within {timeout_s} s")


def drop(folder: Path, name: str, text: str) -> Path:
    # Whole, then renamed in: what `cp` to a staging name and `mv` do.
    staging = folder.parent / f".{name}"
    staging.write_text(textwrap.dedent(text), encoding="utf-8")
    return Path(os.replace(staging, folder / name) or folder / name)


def invoker(http: httpx.Client, name: str, arguments: dict[str, Any]) -> Callable[[], Any]:
    def call() -> Any:
        response = http.post(f"/tools/{name}/invoke", json={"arguments": arguments})
        body = response.json()
        if response.status_code != 200 or body["is_error"]:
            raise SystemExit(f"{name}: {response.status_code} {body}")
        return body

    return call


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=300, help="calls per path (interleaved)")
    parser.add_argument("--drops", type=int, default=5, help="file drops for the reload time")
    args = parser.parse_args()

    from services.tool_registry.builtins.fluids import reynolds_regime

    namespace: dict[str, Any] = {}
    exec(compile(PLUGIN, "bench_reynolds.py", "exec"), namespace)  # the same code, run here
    plugin_direct = namespace["bench_reynolds"]
    si = {"density": 998.0, "velocity": 2.0, "length": 0.05, "viscosity": 0.001}

    with tempfile.TemporaryDirectory(prefix="tools-bench-") as tmp:
        plugins = Path(tmp) / "plugins"
        plugins.mkdir()
        drop(plugins, "bench_reynolds.py", PLUGIN)
        drop(plugins, "bench_wc.tool.yaml", MANIFEST)
        service = start(plugins)
        headers = {"Authorization": f"Bearer {KEY}"}
        try:
            with httpx.Client(base_url=service.base_url, headers=headers, timeout=60) as http:
                rows = {
                    "HTTP floor (GET /health)": compare(
                        args.calls, lambda: None, lambda: http.get("/health")
                    ),
                    "built-in (reynolds_regime)": compare(
                        args.calls, lambda: reynolds_regime(**si),
                        invoker(http, "reynolds_regime", si),
                    ),
                    "Python plugin (worker)": compare(
                        args.calls, lambda: plugin_direct(**si),
                        invoker(http, "bench_reynolds", si),
                    ),
                    "CLI tool (wc -w)": compare(
                        max(50, args.calls // 3),
                        lambda: subprocess.run(["wc", "-w"], input=TEXT.encode(),
                                               capture_output=True, check=True, timeout=10),
                        invoker(http, "bench_wc", {"text": TEXT}),
                    ),
                }  # fmt: skip
                have = len(http.get("/tools").json()["tools"])
                drop(plugins, "bench_many.py", many_tools(200 - have))
                wait_for(http, "bench_tool_000", True)
                listing = http.get("/tools")
                count = len(listing.json()["tools"])
                lists = compare(args.calls, lambda: None, lambda: http.get("/tools"))
                reloads = []
                for i in range(args.drops):
                    started = time.perf_counter()
                    drop(plugins, f"bench_drop_{i}.py", PLUGIN.replace("bench_reynolds",
                                                                       f"dropped_{i}"))  # fmt: skip
                    wait_for(http, f"dropped_{i}", True)
                    reloads.append(time.perf_counter() - started)
                    (plugins / f"bench_drop_{i}.py").unlink()
                    wait_for(http, f"dropped_{i}", False)
        finally:
            service.stop()

    print(f"cores: {os.cpu_count()}; {args.calls} interleaved calls per path; times in ms\n")
    print(f"{'path':<28}{'direct p50':>11}{'p99':>8}{'service p50':>13}{'p99':>8}"
          f"{'overhead p50':>14}{'target':>8}")  # fmt: skip
    targets = {"built-in (reynolds_regime)": 2.0, "Python plugin (worker)": 5.0,
               "CLI tool (wc -w)": 15.0}  # fmt: skip
    for name, r in rows.items():
        over = r["p50"] - r["direct_p50"]
        target = targets.get(name)
        mark = "" if target is None else (f"≤{target:g} " + ("ok" if over <= target else "MISS"))
        print(f"{name:<28}{r['direct_p50']:>11.3f}{r['direct_p99']:>8.3f}{r['p50']:>13.3f}"
              f"{r['p99']:>8.3f}{over:>14.3f}{mark:>10}")  # fmt: skip
    cli = rows["CLI tool (wc -w)"]
    print(f"\nCLI through the service / bare spawn (p50): {cli['p50'] / cli['direct_p50']:.2f}x")
    ok = "ok" if lists["p50"] <= 5 else "MISS"
    print(
        f"GET /tools with {count} tools ({len(listing.content) / 1024:.0f} KiB): "
        f"p50 {lists['p50']:.3f} ms, p99 {lists['p99']:.3f} ms (target ≤5 ms p50: {ok})"
    )
    worst = max(reloads)
    print(
        f"dropped file visible in /tools: median {statistics.median(reloads):.3f} s, "
        f"max {worst:.3f} s over {len(reloads)} drops (target ≤2 s: "
        f"{'ok' if worst <= 2 else 'MISS'})"
    )


if __name__ == "__main__":
    main()
