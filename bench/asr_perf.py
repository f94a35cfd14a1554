"""asr-api performance: real-time factor through the service vs faster-whisper called directly,
and throughput with 1, 2 and 4 parallel requests.

    .venv/bin/python -m bench.asr_perf [--reps 3] [--requests 4] [--max-concurrency N]

Both sides use the bundled tiny.en (int8, CPU) with the service's decoding settings (beam 5,
VAD on, no conditioning on previous text), on the same espeak-ng recordings, in the same run.
The service is a real ``python -m services.asr`` process on a free loopback port.
Real-time factor (RTF) = processing seconds / audio seconds (lower is better).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from services.asr.model_source import bundled_model_path
from tests.asr.speech import NARRATIVE, TECHNICAL, speak
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[1]


def make_clips(root: Path) -> list[Path]:
    """Two recordings: ~30 s (narrative + technical) and ~45 s (technical)."""
    return [
        speak(" ".join([*NARRATIVE, *TECHNICAL[:3]]), root / "clip_a.wav"),
        speak(" ".join(TECHNICAL), root / "clip_b.wav"),
    ]


def duration(path: Path) -> float:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    return float(out.stdout.strip())


def load_direct(threads: int) -> object:
    from faster_whisper import WhisperModel

    return WhisperModel(
        str(bundled_model_path()), device="cpu", compute_type="int8", cpu_threads=threads
    )


def direct_seconds(model: object, clip: Path) -> float:
    """faster-whisper on the file, decoding included (as the service decodes too)."""
    started = time.perf_counter()
    segments, _ = model.transcribe(  # type: ignore[attr-defined]
        str(clip), beam_size=5, vad_filter=True, condition_on_previous_text=False
    )
    list(segments)  # the generator does the work
    return time.perf_counter() - started


def start_service(work: Path, max_concurrency: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASR_")}
    env.update(ASR_PORT=str(port), ASR_MODEL="bundled", HF_HUB_OFFLINE="1", LOG_LEVEL="warning",
               ASR_MAX_CONCURRENCY=str(max_concurrency), ASR_MAX_QUEUE="64",
               PYTHONPATH=str(ROOT))  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.asr"], cwd=work, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"asr-api exited with {proc.returncode}")
        try:
            if httpx.get(f"{base}/ready", timeout=2).status_code == 200:
                return proc, base
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("asr-api did not become ready within 120 s")


def transcribe(http: httpx.Client, clip: Path) -> float:
    started = time.perf_counter()
    with clip.open("rb") as fh:
        response = http.post(
            "/v1/audio/transcriptions",
            files={"file": (clip.name, fh)},
            data={"model": "whisper-1", "response_format": "verbose_json"},
        )
    response.raise_for_status()
    return time.perf_counter() - started


def compare_rtf(
    model: object, http: httpx.Client, clips: list[Path], lengths: dict[Path, float], reps: int
) -> tuple[float, float]:
    """Median RTF (direct, service). The two are interleaved clip by clip so that load from
    anything else on the machine falls on both alike."""
    direct_seconds(model, clips[0])  # warm both: allocators, CTranslate2 caches
    transcribe(http, clips[0])
    direct, served = [], []
    for _ in range(reps):
        for clip in clips:
            direct.append(direct_seconds(model, clip) / lengths[clip])
            served.append(transcribe(http, clip) / lengths[clip])
    return statistics.median(direct), statistics.median(served)


def throughput(http: httpx.Client, clips: list[Path], lengths: dict[Path, float],
               parallel: int, per_client: int) -> tuple[float, float, float]:  # fmt: skip
    """(requests/s, audio seconds per wall second, median latency s) with ``parallel`` clients."""
    jobs = [clips[i % len(clips)] for i in range(parallel * per_client)]
    started = time.perf_counter()
    with ThreadPoolExecutor(parallel) as pool:
        latencies = list(pool.map(lambda c: transcribe(http, c), jobs))
    wall = time.perf_counter() - started
    audio = sum(lengths[c] for c in jobs)
    return len(jobs) / wall, audio / wall, statistics.median(latencies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=3, help="repetitions for the RTF medians")
    parser.add_argument("--requests", type=int, default=2, help="requests per parallel client")
    parser.add_argument("--max-concurrency", type=int, default=1, help="ASR_MAX_CONCURRENCY")
    parser.add_argument(
        "--threads", type=int, default=0, help="direct cpu_threads (0 = auto, like the service)"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="asr-bench-") as tmp:
        work = Path(tmp)
        clips = make_clips(work)
        lengths = {c: duration(c) for c in clips}
        print(f"clips: {', '.join(f'{c.name} {lengths[c]:.1f} s' for c in clips)}; "
              f"cores: {os.cpu_count()}; ASR_MAX_CONCURRENCY={args.max_concurrency}")  # fmt: skip
        proc, base = start_service(work, args.max_concurrency)
        try:
            model = load_direct(args.threads)
            with httpx.Client(base_url=base, timeout=600) as http:
                direct, served = compare_rtf(model, http, clips, lengths, args.reps)
                rows = [(p, *throughput(http, clips, lengths, p, args.requests)) for p in (1, 2, 4)]
        finally:
            proc.terminate()
            proc.wait(timeout=30)

    print()
    print(f"{'path':<32}{'RTF (median)':>14}{'x real time':>14}")
    print(f"{'faster-whisper direct':<32}{direct:>14.3f}{1 / direct:>14.1f}")
    print(f"{'asr-api (HTTP, ffmpeg, tagging)':<32}{served:>14.3f}{1 / served:>14.1f}")
    print(f"service overhead ratio (service RTF / direct RTF): {served / direct:.2f}")
    print()
    print(f"{'parallel':>8}{'requests':>10}{'req/s':>10}{'audio s/s':>12}{'p50 latency s':>15}")
    for parallel, rps, audio_rate, p50 in rows:
        n = parallel * args.requests
        print(f"{parallel:>8}{n:>10}{rps:>10.2f}{audio_rate:>12.1f}{p50:>15.2f}")


if __name__ == "__main__":
    main()
