"""What the chat path costs, measured against a direct call and against LiteLLM, in one run.

Paths, all in front of the same deterministic upstream (bench/upstream.py):
  direct    client → upstream
  bare-2hop client → pass-through → pass-through → upstream (bench/passthrough.py: Starlette +
            httpx, the contract guide's reference for the latency target, +1.4 ms there)
  ai-stack  client → gateway (auth, rate limits, conditioning, validators) → orchestrator
            (LangGraph) → upstream (retrieval off)
  litellm   client → LiteLLM proxy (one worker) → upstream

For each path and concurrency (1, 16, 64), wrk sends non-streamed chat requests over
keep-alive connections and reports p50/p99 latency and requests/s. At concurrency 1 the figure
that matters is added latency versus direct; at 16 and 64 every path is CPU-bound on 2 cores,
so the figure is throughput (ours / LiteLLM's). The paths are measured in interleaved rounds
(direct, ours, LiteLLM, then again), so a slow spell of a shared machine falls on all of
them; the table shows each figure's median over the rounds, and the range of the headline
figures is printed under it. A second phase streams from an upstream that
spaces its chunks 50 ms apart and compares the gaps seen by the client, direct and through us.

Run: ``make bench-gateway`` (installs wrk and a LiteLLM virtualenv in .bench-venv on first use)
or ``.venv/bin/python -m bench.gateway_overhead [--seconds 8] [--skip-litellm]``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import shutil
import statistics
import time
from pathlib import Path

import httpx

from bench.procs import ROOT, free_port, python, running, wait_ok, wrk

KEY = "sk-bench-key-0123456789abcdef"
LITELLM = ROOT / ".bench-venv" / "bin" / "litellm"
BODY = (
    '{"model": "ai-stack", "messages": [{"role": "user", "content": '
    '"Max allowable stress for 316L at 300 F in ksi?"}], "max_tokens": 16}'
)


def lua(path: Path, authorization: str | None) -> Path:
    lines = ['wrk.method = "POST"', f"wrk.body = '{BODY}'",
             'wrk.headers["Content-Type"] = "application/json"']  # fmt: skip
    if authorization:
        lines.append(f'wrk.headers["Authorization"] = "{authorization}"')
    # Show the first refusal, if any, so an error path is never mistaken for a fast one.
    lines += [
        "local shown = false",
        "response = function(status, headers, body)",
        "  if status ~= 200 and not shown then",
        '    print("HTTP " .. status .. ": " .. body); shown = true',
        "  end",
        "end",
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def litellm_config(path: Path, upstream: int) -> Path:
    path.write_text(
        "model_list:\n"
        "  - model_name: ai-stack\n"
        "    litellm_params:\n"
        "      model: openai/bench-model\n"
        f"      api_base: http://127.0.0.1:{upstream}/v1\n"
        "      api_key: not-needed\n"
        "litellm_settings:\n"
        "  telemetry: false\n"
        "  drop_params: true\n"
        "general_settings:\n"
        f"  master_key: {KEY}\n"
    )
    return path


def stack_env(upstream: int, orch: int, gateway: int) -> dict[str, str]:
    return {
        "GATEWAY_PORT": str(gateway),
        "ORCH_PORT": str(orch),
        "LLM_BASE_URL": f"http://127.0.0.1:{upstream}/v1",
        "LLM_MODEL": "bench-model",
        "GATEWAY_API_KEYS": KEY,
        # The budgets are on (every request is counted) but set above what the run sends.
        "GATEWAY_DEFAULT_RPM": "100000000",
        "GATEWAY_DEFAULT_TPM": "100000000000",
        "LOG_LEVEL": "warning",
        # The measured path: auth, budgets and conditioning on; retrieval off (no rag-api).
        "GATEWAY_CONDITIONING": "true",
        "ORCH_RETRIEVAL": "false",
        "HF_HUB_OFFLINE": "1",
    }


Run = dict[str, float]


def median_run(runs: list[Run]) -> Run:
    return {key: statistics.median(r[key] for r in runs) for key in runs[0]}


def throughput(seconds: int, levels: list[int], rounds: int, with_litellm: bool, tmp: Path) -> None:
    up, orch, gw, ll = free_port(), free_port(), free_port(), free_port()
    hop1, hop2 = free_port(), free_port()
    commands = [
        [python(), "-m", "bench.upstream", "--port", str(up)],
        [python(), "-m", "services.orchestrator"],
        [python(), "-m", "services.gateway"],
        [python(), "-m", "bench.passthrough", "--port", str(hop2),
         "--to", f"http://127.0.0.1:{up}"],
        [python(), "-m", "bench.passthrough", "--port", str(hop1),
         "--to", f"http://127.0.0.1:{hop2}"],
    ]  # fmt: skip
    if with_litellm:
        config = litellm_config(tmp / "litellm.yaml", up)
        commands.append([str(LITELLM), "--config", str(config), "--port", str(ll),
                         "--host", "127.0.0.1", "--num_workers", "1"])  # fmt: skip
    env = {
        **stack_env(up, orch, gw),
        "LITELLM_LOG": "ERROR",
        "LITELLM_TELEMETRY": "False",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",  # no network: use the bundled price table
    }
    with running(commands, env, tmp / "logs"):
        wait_ok(f"http://127.0.0.1:{up}/health")
        wait_ok(f"http://127.0.0.1:{gw}/ready")
        wait_ok(f"http://127.0.0.1:{hop1}/health")
        wait_ok(f"http://127.0.0.1:{hop2}/health")
        paths = {
            "direct": (f"http://127.0.0.1:{up}/v1/chat/completions", lua(tmp / "d.lua", None)),
            "bare-2hop": (f"http://127.0.0.1:{hop1}/v1/chat/completions",
                          lua(tmp / "b.lua", None)),
            "ai-stack": (f"http://127.0.0.1:{gw}/v1/chat/completions",
                         lua(tmp / "a.lua", f"Bearer {KEY}")),
        }  # fmt: skip
        if with_litellm:
            wait_ok(f"http://127.0.0.1:{ll}/health/liveliness", timeout_s=180)
            # Both proxies check a bearer key on every request.
            paths["litellm"] = (
                f"http://127.0.0.1:{ll}/v1/chat/completions",
                lua(tmp / "l.lua", f"Bearer {KEY}"),
            )
        for name, (url, script) in paths.items():
            check(name, url)
            wrk(url, script, 4, 2)  # warm-up: connections, caches, lazy imports
        runs: dict[tuple[str, int], list[Run]] = {
            key: [] for key in itertools.product(paths, levels)
        }
        for round_ in range(1, rounds + 1):
            print(f"round {round_}/{rounds} ...", flush=True)
            for c in levels:
                for name, (url, script) in paths.items():
                    runs[(name, c)].append(wrk(url, script, c, seconds))
    report({key: median_run(r) for key, r in runs.items()}, levels, list(paths))
    spread(runs, levels, list(paths))


def check(name: str, url: str) -> None:
    """One request first: a path that answers errors would otherwise be measured as fast."""
    response = httpx.post(
        url, content=BODY, timeout=30,
        headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"},
    )  # fmt: skip
    if response.status_code != 200:
        raise SystemExit(f"{name} answered {response.status_code}: {response.text[:500]}")


def report(
    results: dict[tuple[str, int], dict[str, float]], levels: list[int], names: list[str]
) -> None:
    print("\nmedians over the rounds")
    print(f"{'path':<10}{'conc':>6}{'p50 ms':>10}{'p99 ms':>10}{'req/s':>10}{'added p50':>12}")
    for c in levels:
        direct = results[("direct", c)]["p50"]
        for name in names:
            r = results[(name, c)]
            added = "" if name == "direct" else f"{r['p50'] - direct:+.2f} ms"
            print(f"{name:<10}{c:>6}{r['p50']:>10.2f}{r['p99']:>10.2f}{r['rps']:>10.0f}{added:>12}")
    if "litellm" in names:
        print()
        for c in levels:
            ours, theirs = results[("ai-stack", c)], results[("litellm", c)]
            ratio = ours["rps"] / theirs["rps"]
            print(
                f"concurrency {c:>2}: throughput ai-stack/litellm = {ratio:.2f}x, "
                f"added p50 ai-stack {ours['p50'] - results[('direct', c)]['p50']:.2f} ms vs "
                f"litellm {theirs['p50'] - results[('direct', c)]['p50']:.2f} ms"
            )
    for name in names:
        at16, at64 = results.get((name, 16)), results.get((name, 64))
        if at16 and at64:
            print(f"{name}: req/s at 64 / at 16 = {at64['rps'] / at16['rps']:.2f}")
    if 1 in levels and "bare-2hop" in names:
        direct = results[("direct", 1)]["p50"]
        ours = results[("ai-stack", 1)]["p50"] - direct
        bare = results[("bare-2hop", 1)]["p50"] - direct
        # The target (2 ms) was set where the reference measured 1.4 ms: 1.43x the reference.
        print(
            f"\nadded p50 at 1: ai-stack {ours:.2f} ms, bare two-hop reference {bare:.2f} ms "
            f"(ratio {ours / bare:.2f}; the target, 2 ms where the reference is 1.4 ms, is 1.43)"
        )


def spread(runs: dict[tuple[str, int], list[Run]], levels: list[int], names: list[str]) -> None:
    """The range over the rounds of the figures the targets are about."""
    if len(runs[(names[0], levels[0])]) < 2:
        return
    print("\nrange over the rounds (min .. max):")
    if 1 in levels and "ai-stack" in names:
        added = [
            ours["p50"] - direct["p50"]
            for ours, direct in zip(runs[("ai-stack", 1)], runs[("direct", 1)], strict=True)
        ]
        print(f"  ai-stack added p50 at 1: {min(added):.2f} .. {max(added):.2f} ms")
        if "bare-2hop" in names:
            bare = [
                ref["p50"] - direct["p50"]
                for ref, direct in zip(runs[("bare-2hop", 1)], runs[("direct", 1)], strict=True)
            ]
            print(f"  bare-2hop added p50 at 1: {min(bare):.2f} .. {max(bare):.2f} ms")
    for c in levels:
        if c == 1 or "litellm" not in names:
            continue
        ratios = [
            ours["rps"] / theirs["rps"]
            for ours, theirs in zip(runs[("ai-stack", c)], runs[("litellm", c)], strict=True)
        ]
        print(f"  ai-stack/litellm req/s at {c}: {min(ratios):.2f} .. {max(ratios):.2f}x")
    if 16 in levels and 64 in levels:
        for name in names:
            held = [
                at64["rps"] / at16["rps"]
                for at16, at64 in zip(runs[(name, 16)], runs[(name, 64)], strict=True)
            ]
            print(f"  {name} req/s at 64 / at 16: {min(held):.2f} .. {max(held):.2f}")


async def _gaps(url: str, headers: dict[str, str]) -> list[float]:
    body = {"model": "ai-stack", "messages": [{"role": "user", "content": "x"}], "stream": True}
    arrivals = []
    async with httpx.AsyncClient(timeout=30) as client:
        async with client.stream("POST", url, json=body, headers=headers) as response:
            async for line in response.aiter_lines():
                if line.startswith("data: {") and '"content": "' in line.replace('":"', '": "'):
                    arrivals.append(time.perf_counter())
    return [(b - a) * 1000 for a, b in itertools.pairwise(arrivals)]


def stream_gaps(tmp: Path, gap_ms: float = 50.0, rounds: int = 5) -> None:
    up, orch, gw = free_port(), free_port(), free_port()
    commands = [
        [
            python(),
            "-m",
            "bench.upstream",
            "--port",
            str(up),
            "--chunks",
            "12",
            "--gap-ms",
            str(gap_ms),
        ],
        [python(), "-m", "services.orchestrator"],
        [python(), "-m", "services.gateway"],
    ]
    with running(commands, stack_env(up, orch, gw), tmp / "logs-stream"):
        wait_ok(f"http://127.0.0.1:{up}/health")
        wait_ok(f"http://127.0.0.1:{gw}/ready")
        direct, ours = [], []
        for _ in range(rounds):
            direct += asyncio.run(_gaps(f"http://127.0.0.1:{up}/v1/chat/completions", {}))
            ours += asyncio.run(
                _gaps(
                    f"http://127.0.0.1:{gw}/v1/chat/completions", {"Authorization": f"Bearer {KEY}"}
                )
            )

    def deviation(gaps: list[float]) -> float:
        return statistics.median(abs(g - gap_ms) for g in gaps)

    print(f"\nstreaming: upstream spaces chunks {gap_ms:.0f} ms apart ({len(ours)} gaps measured)")
    for name, gaps in (("direct", direct), ("ai-stack", ours)):
        print(
            f"  {name:<8} median gap {statistics.median(gaps):6.2f} ms, "
            f"median |gap - {gap_ms:.0f}| {deviation(gaps):.2f} ms, max gap {max(gaps):.2f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description="gateway overhead benchmark")
    parser.add_argument("--seconds", type=int, default=5, help="duration of each wrk run")
    parser.add_argument("--levels", default="1,16,64", help="concurrency levels")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per figure")
    parser.add_argument("--skip-litellm", action="store_true")
    args = parser.parse_args()
    with_litellm = not args.skip_litellm
    if with_litellm and not LITELLM.exists():
        raise SystemExit(f"{LITELLM} is missing: run `make bench-gateway` (it installs LiteLLM)")
    levels = [int(x) for x in args.levels.split(",")]
    # Logs of every process stay in .aistack/bench-gateway/ for a look after the run.
    work = ROOT / ".aistack" / "bench-gateway"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    throughput(args.seconds, levels, args.rounds, with_litellm, work)
    stream_gaps(work)


if __name__ == "__main__":
    main()
