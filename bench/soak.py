"""Load and soak: sustained chat through the local stack, with retrieval and transcription
running beside it, and every service's memory watched.

The stack is the real one (`aistack up`), with the LLM runner replaced by the deterministic
bench upstream (bench/upstream.py) so that the figures are the stack's own: gateway (keys,
budgets, conditioning, validators) → orchestrator (planner, retrieval from rag-api, the tool
registry's rules) → upstream. Meanwhile one thread asks rag-api for passages and one has
asr-api transcribe a recording, over and over.

Figures: errors (any non-200), chat latency p50/p99, throughput, and each service's RSS at
start, after the warm-up and at the end (growth after warm-up must stay under 10 %).

Run: ``.venv/bin/python -m bench.soak [--chats 10000] [--concurrency 16] [--warmup 1000]``
(tests/hardening/test_soak.py runs a short version).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

from tests.conftest import free_port
from tests.integration.stackproc import Stack, start_stack, stop
from tests.service_process import start_service

QUESTIONS = [
    f"What is the allowable stress of {grade} at {t} °C, must not exceed {p} bar?"
    for grade in ("316L", "A36", "6061-T6", "Ti-6Al-4V", "PEEK")
    for t in (20, 150, 300, 450)
    for p in (10, 25)
]  # 40 distinct prompts: a realistic mix that repeats, as users do


@dataclass
class Sample:
    label: str
    rss_mib: dict[str, float]


@dataclass
class SoakResult:
    chats: int = 0
    errors: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    side_calls: dict[str, int] = field(default_factory=dict)
    side_errors: list[str] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    seconds: float = 0.0

    def growth(self) -> dict[str, float]:
        """Per service: RSS at the end over RSS after the warm-up, minus one."""
        warm, end = self.samples[1].rss_mib, self.samples[-1].rss_mib
        return {name: end[name] / warm[name] - 1 for name in warm if name in end}


def rss(stack: Stack) -> dict[str, float]:
    """Resident memory of every service process (MiB)."""
    out = {}
    for component in stack.state()["components"]:
        try:
            out[component["name"]] = psutil.Process(component["pid"]).memory_info().rss / 2**20
        except psutil.Error:
            out[component["name"]] = float("nan")
    return out


def _port(stack: Stack, name: str) -> int:
    return next(c["port"] for c in stack.state()["components"] if c["name"] == name)


def _side_loops(
    stack: Stack, wav: Path, result: SoakResult, stop: threading.Event
) -> list[threading.Thread]:
    rag = f"http://127.0.0.1:{_port(stack, 'rag-api')}/retrieve"
    asr = f"{stack.base_url}/audio/transcriptions"
    user = {"Authorization": f"Bearer {stack.key}"}

    def loop(name: str, call: Callable[[httpx.Client], httpx.Response]) -> None:
        with httpx.Client(timeout=120) as client:
            while not stop.is_set():
                response = call(client)
                result.side_calls[name] = result.side_calls.get(name, 0) + 1
                if response.status_code != 200:
                    result.side_errors.append(
                        f"{name} {response.status_code} {response.text[:200]}"
                    )

    def retrieve(client: httpx.Client) -> httpx.Response:
        body = {"query": "yield strength of 316L", "top_k": 5}
        return client.post(rag, json=body, headers=stack.service_headers)

    def transcribe(client: httpx.Client) -> httpx.Response:
        files = {"file": ("speech.wav", wav.read_bytes(), "audio/wav")}
        return client.post(asr, headers=user, data={"model": "whisper-1"}, files=files)

    return [
        threading.Thread(target=loop, args=("retrieve", retrieve), daemon=True),
        threading.Thread(target=loop, args=("transcribe", transcribe), daemon=True),
    ]


def soak(stack: Stack, wav: Path, chats: int, concurrency: int, warmup: int) -> SoakResult:
    result = SoakResult()
    result.samples.append(Sample("start", rss(stack)))
    url = f"{stack.base_url}/chat/completions"
    headers = {"Authorization": f"Bearer {stack.key}"}
    local = threading.local()

    def one(i: int) -> None:
        client = getattr(local, "client", None) or httpx.Client(timeout=60)
        local.client = client
        question = QUESTIONS[i % len(QUESTIONS)]
        body = {"model": "ai-stack", "max_tokens": 16, "stream": i % 4 == 0,
                "messages": [{"role": "user", "content": question}]}  # fmt: skip
        started = time.perf_counter()
        try:
            response = client.post(url, json=body, headers=headers)
            ok = response.status_code == 200
            detail = f"{response.status_code} {response.text[:200]}"
        except httpx.HTTPError as exc:
            ok, detail = False, repr(exc)
        result.latencies_ms.append((time.perf_counter() - started) * 1000)
        if not ok:
            result.errors.append(detail)

    stop_side = threading.Event()
    side = _side_loops(stack, wav, result, stop_side)
    started = time.monotonic()
    # The side loops run from the start: the warm-up covers every service's first use.
    for thread in side:
        thread.start()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(warmup)))
        result.samples.append(Sample("after warm-up", rss(stack)))
        list(pool.map(one, range(warmup, chats)))
    stop_side.set()
    for thread in side:
        thread.join(timeout=180)
    result.seconds = time.monotonic() - started
    result.chats = chats
    result.samples.append(Sample("end", rss(stack)))
    return result


def start_soak_stack(work: Path) -> tuple[Stack, Any]:
    """The local stack with the bench upstream as its LLM runner (started first)."""
    port = free_port()
    argv = [sys.executable, "-m", "bench.upstream", "--port", str(port)]
    upstream = start_service("upstream", {}, port, work, argv=argv, ready_path="/health")
    stack = start_stack(
        work,
        LLM_BACKEND="vllm",
        LLM_BASE_URL=f"http://127.0.0.1:{port}/v1",
        LLM_MODEL="bench-model",
        MCP_INGEST_ON_START="false",
        GATEWAY_DEFAULT_RPM="1000000",
        GATEWAY_DEFAULT_TPM="1000000000",
        GATEWAY_DEFAULT_AUDIO_SPM="1000000",
    )
    return stack, upstream


def report(result: SoakResult) -> str:
    ordered = sorted(result.latencies_ms)
    p99 = ordered[int(0.99 * (len(ordered) - 1))]
    lines = [
        f"{result.chats} chats in {result.seconds:.0f} s ({result.chats / result.seconds:.0f}/s), "
        f"{len(result.errors)} errors; p50 {statistics.median(ordered):.1f} ms, p99 {p99:.1f} ms",
        "beside them: "
        + ", ".join(f"{n} {c} calls" for n, c in result.side_calls.items())
        + f", {len(result.side_errors)} errors",
        "RSS MiB        " + "  ".join(f"{n:>13}" for n in result.samples[0].rss_mib),
    ]
    for sample in result.samples:
        lines.append(
            f"{sample.label:<14} " + "  ".join(f"{v:13.1f}" for v in sample.rss_mib.values())
        )
    lines.append("growth after warm-up: " + ", ".join(
        f"{n} {g:+.1%}" for n, g in result.growth().items()))  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--warmup", type=int, default=1000)
    args = parser.parse_args()
    from tests.asr.speech import TECHNICAL, speak

    work = Path(tempfile.mkdtemp(prefix="soak-"))
    wav = speak(TECHNICAL[1], work / "speech.wav")
    stack, upstream = start_soak_stack(work)
    try:
        result = soak(stack, wav, args.chats, args.concurrency, args.warmup)
    finally:
        stop(stack)
        upstream.stop()
    print(report(result))
    bad = {n: g for n, g in result.growth().items() if g >= 0.10}
    if result.errors or result.side_errors or bad:
        print("FAILED:", result.errors[:3], result.side_errors[:3], bad)
        raise SystemExit(1)


if __name__ == "__main__":
    main()
