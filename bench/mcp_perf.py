"""mcp performance: ``tools/call`` latency of ``convert_units`` and ``search`` through the mcp
service against a bare ``mcp`` SDK server with the same tools, with the same client in the
same run; and what ``search`` adds to the rag-api retrieval it wraps.

    .venv/bin/python -m bench.mcp_perf [--calls 400] [--mode auto|legacy]

Processes, each its own on a free loopback port: rag-api (the bundled embedding model, the
embedded Qdrant engine in a fresh folder, the baseline corpora loaded by the service's first
start), the mcp service (``python -m services.mcp`` as ``aistack up`` runs it: bearer keys, the
Host guard, access log, metrics), and the bare server (bench/mcp_bare.py: ``MCPServer`` and
its stateless JSON app under the same uvicorn, the same tool functions). One official client
session per server. The paths take turns call by call (the same arguments, the order
rotating), so load from anything else on the machine falls on all of them alike.

Targets (issue #13): ``convert_units`` p50 ≤ 1.3 x the bare server's; ``search`` p50 ≤ the
rag-api ``/retrieve`` p50 + 5 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import sys
import tempfile
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import httpx2
import psutil
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from bench.procs import free_port
from services.kit.peer import PeerClient
from services.kit.settings import StackSettings
from tests.service_process import ServiceProcess, start_service

KEY = "sk-bench-mcp-0123456789abcdef"
DOMAIN = "chem"
QUERIES = [
    "NIOSH recommended exposure limit for acetone",
    "flash point of diethyl ether",
    "benzene permissible exposure limit and action level",
    "storing oxygen cylinders next to fuel gas",
]
CONVERSIONS = [("3 bar", "kPa"), ("300 degF", "K"), ("88 N*m", "lbf*ft"), ("7.85 g/cm^3", "kg/m^3")]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_", "MCP_", "QDRANT"))}
    env.update(HF_HUB_OFFLINE="1", RAG_TORCH_THREADS="1", LOG_FORMAT="json", **extra)
    return env


def start_processes(workdir: Path) -> tuple[ServiceProcess, ServiceProcess, ServiceProcess]:
    logs = workdir / "logs"
    rag_port, mcp_port, bare_port = free_port(), free_port(), free_port()
    rag = start_service("rag", _env(AISTACK_HOME=str(workdir / "rag"), RAG_PORT=str(rag_port)),
                        rag_port, logs, cwd=workdir)  # fmt: skip
    mcp = start_service(
        "mcp",
        _env(
            AISTACK_HOME=str(workdir / "mcp"),
            MCP_PORT=str(mcp_port),
            RAG_URL=rag.base_url,
            GATEWAY_API_KEYS=KEY,
        ),
        mcp_port,
        logs,
        cwd=workdir,
        timeout_s=300,  # the first start loads the baseline corpora
    )
    bare = start_service(
        "bare",
        _env(),
        bare_port,
        logs,
        argv=[
            sys.executable,
            "-m",
            "bench.mcp_bare",
            "--port",
            str(bare_port),
            "--rag",
            rag.base_url,
            "--domain",
            DOMAIN,
        ],
        cwd=Path(__file__).resolve().parents[1],
        wait=False,  # it has no /ready: wait for its port instead
    )
    _wait_listening(bare_port, bare)
    return rag, mcp, bare


def _wait_listening(port: int, service: ServiceProcess, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if service.proc.poll() is not None:
            raise SystemExit(f"bare server exited:\n{service.output()}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.2)
    raise SystemExit(f"bare server did not listen on {port}:\n{service.output()}")


async def _time(call: Awaitable[Any], out: list[float]) -> None:
    started = time.perf_counter()
    await call
    out.append((time.perf_counter() - started) * 1000)


async def measure(urls: dict[str, str], rag_url: str, calls: int, mode: str) -> dict:
    """Each call of one path is followed by the same call of the others (the order rotating),
    so drift in the machine's load and in rag-api's latency falls on every path alike."""
    lat: dict[str, list[float]] = {}
    settings = StackSettings(_env_file=None)
    rag = PeerClient(settings, rag_url, name="rag-api")
    timeout = httpx2.Timeout(60, connect=5)
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {KEY}"}, timeout=timeout) as http,
        Client(streamable_http_client(urls["bare"], http_client=http), mode=mode) as bare,
        Client(streamable_http_client(urls["ours"], http_client=http), mode=mode) as ours,
    ):
        clients = {"bare": bare, "ours": ours}

        async def convert(client: Client, quantity: str, to: str) -> None:
            result = await client.call_tool("convert_units", {"quantity": quantity, "to": to})
            assert not result.is_error, result.content

        async def search(client: Client, query: str) -> None:
            result = await client.call_tool("search", {"query": query, "top_k": 5})
            assert not result.is_error and result.structured_content["passages"]

        async def retrieve(query: str) -> None:
            body = {"query": query, "top_k": 5, "filters": {"domain": [DOMAIN]}}
            response = await rag.post("/retrieve", json=body)
            response.raise_for_status()
            assert response.json()["documents"]

        # Warm-up: the first call of each tool also lists the tools (output-schema check).
        for i in range(20):
            for client in clients.values():
                await convert(client, *CONVERSIONS[i % len(CONVERSIONS)])
                await search(client, QUERIES[i % len(QUERIES)])
            await retrieve(QUERIES[i % len(QUERIES)])
        for i in range(calls):
            quantity, to = CONVERSIONS[i % len(CONVERSIONS)]
            query = QUERIES[i % len(QUERIES)]
            steps: list[tuple[str, Awaitable[Any]]] = [
                ("convert bare", convert(bare, quantity, to)),
                ("convert ours", convert(ours, quantity, to)),
                ("search bare", search(bare, query)),
                ("search ours", search(ours, query)),
                ("retrieve direct", retrieve(query)),
            ]
            shift = i % len(steps)
            for key, step in steps[shift:] + steps[:shift]:
                await _time(step, lat.setdefault(key, []))
        protocol = ours.protocol_version
    await rag.aclose()
    return {"latencies": lat, "protocol": protocol}


def report(measured: dict, mcp: ServiceProcess) -> None:
    lat = measured["latencies"]
    rows = [
        ("convert_units", "bare mcp SDK server", "convert bare"),
        ("convert_units", "mcp service", "convert ours"),
        ("search", "rag-api /retrieve (direct)", "retrieve direct"),
        ("search", "bare mcp SDK server", "search bare"),
        ("search", "mcp service", "search ours"),
    ]
    print(f"tools/call latency, protocol {measured['protocol']}, "
          f"{len(lat['convert ours'])} calls per path")  # fmt: skip
    print(f"{'tool':<15}{'path':<30}{'p50 ms':>9}{'p99 ms':>9}")
    for tool, path, key in rows:
        print(f"{tool:<15}{path:<30}{_pct(lat[key], 0.5):>9.2f}{_pct(lat[key], 0.99):>9.2f}")
    ratio = _pct(lat["convert ours"], 0.5) / _pct(lat["convert bare"], 0.5)
    added = _pct(lat["search ours"], 0.5) - _pct(lat["retrieve direct"], 0.5)
    print(f"convert_units p50: {ratio:.2f} x the bare server's (target <= 1.30): "
          f"{'met' if ratio <= 1.3 else 'NOT met'}")  # fmt: skip
    print(f"search p50: +{added:.2f} ms over rag-api's /retrieve (target <= 5 ms): "
          f"{'met' if added <= 5 else 'NOT met'}")  # fmt: skip
    rss = psutil.Process(mcp.proc.pid).memory_info().rss / 2**20
    print(f"mcp service resident memory after the run: {rss:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=400, help="calls per tool and path")
    parser.add_argument("--mode", default="auto", help="client mode: auto (2026-07-28) | legacy")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mcp-perf-") as tmp:
        rag, mcp, bare = start_processes(Path(tmp))
        try:
            urls = {"bare": f"{bare.base_url}/mcp", "ours": f"{mcp.base_url}/{DOMAIN}/mcp"}
            measured = asyncio.run(measure(urls, rag.base_url, args.calls, args.mode))
            report(measured, mcp)
        finally:
            for service in (bare, mcp, rag):
                service.stop()


if __name__ == "__main__":
    main()
