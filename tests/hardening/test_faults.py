"""Faults during traffic: kill -9 each dependency of the running local stack in turn.

While chats flow through the gateway, a dependency dies. Callers must answer as designed — a
clear 503 with ``retry-after`` where the answer cannot be given, an answer that says what is
missing where it can (a chat without evidence) — never a 500; the stack's supervisor brings the
dependency back, and the callers recover by themselves; nothing already ingested is lost or
duplicated. The recovery times are printed (``-s``) and asserted against a generous bound.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.asr.speech import TECHNICAL, speak
from tests.integration.stackproc import Stack, start_stack, stop

pytestmark = pytest.mark.integration

RECOVERY_S = 90
QUESTION = "What is the ZX7 alloy's yield strength?"
CHAT = {"model": "ai-stack", "max_tokens": 2, "messages": [{"role": "user", "content": QUESTION}]}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    work = tmp_path_factory.mktemp("faults")
    s = start_stack(work, MCP_INGEST_ON_START="false", MAX_RESTARTS="5")
    try:
        doc = work / "zx7.md"
        doc.write_text("# ZX7 alloy\n\nThe ZX7 alloy has a yield strength of 640 MPa.\n")
        assert s.cli("ingest", str(doc), "--domain", "materials", timeout=300).returncode == 0
        yield s
    finally:
        stop(s)


@dataclass
class Traffic:
    """Chats in a loop from another thread, recording every status (and retry-after)."""

    stack: Stack
    results: list[tuple[int, str | None, str]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def _run(self) -> None:
        headers = {"Authorization": f"Bearer {self.stack.key}"}
        with httpx.Client(timeout=60) as client:
            while not self._stop.is_set():
                try:
                    r = client.post(f"{self.stack.base_url}/chat/completions", json=CHAT,
                                    headers=headers)  # fmt: skip
                    text = (
                        r.json().get("error", {}).get("message", "") if r.status_code != 200 else ""
                    )
                    self.results.append((r.status_code, r.headers.get("retry-after"), text))
                except httpx.HTTPError as exc:  # the gateway itself must never drop a request
                    self.results.append((0, None, repr(exc)))
                time.sleep(0.05)

    def __enter__(self) -> Traffic:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=90)


def _component(stack: Stack, name: str) -> dict:
    return next(c for c in stack.state()["components"] if c["name"] == name)


def _wait_back(stack: Stack, name: str, old_pid: int, since: float) -> float:
    """Seconds from ``since`` until the supervisor's new process for ``name`` is ready."""
    while time.monotonic() - since < RECOVERY_S:
        try:
            new = _component(stack, name)
            if new["pid"] != old_pid and httpx.get(new["ready_url"], timeout=2).status_code == 200:
                return time.monotonic() - since
        except (httpx.HTTPError, StopIteration, ValueError):
            pass
        time.sleep(0.1)
    raise AssertionError(f"{name} did not come back within {RECOVERY_S}s")


def _kill_and_wait(stack: Stack, name: str) -> float:
    """kill -9 ``name``; return seconds until the supervisor's new process is ready."""
    old = _component(stack, name)
    os.kill(old["pid"], signal.SIGKILL)
    return _wait_back(stack, name, old["pid"], time.monotonic())


def _documents(stack: Stack) -> list[tuple[str, int]]:
    port = _component(stack, "rag-api")["port"]
    data = httpx.get(f"http://127.0.0.1:{port}/documents", headers=stack.service_headers,
                     timeout=30).json()["data"]  # fmt: skip
    return sorted((d["source"], d["chunks"]) for d in data)


def _chat(stack: Stack) -> dict:
    r = httpx.post(f"{stack.base_url}/chat/completions", json=CHAT,
                   headers={"Authorization": f"Bearer {stack.key}"}, timeout=60)  # fmt: skip
    assert r.status_code == 200, r.text
    return r.json()


def _check_traffic(traffic: Traffic, allowed: set[int]) -> None:
    statuses = [s for s, _, _ in traffic.results]
    assert statuses, "no traffic ran"
    assert set(statuses) <= allowed, f"unexpected answers during the fault: {traffic.results}"
    for status, retry, _ in traffic.results:
        if status == 503:
            assert retry is not None and int(retry) >= 1, "a 503 must say when to retry"


def test_the_llm_runner_dies_chats_get_503_then_recover(stack: Stack) -> None:
    with Traffic(stack) as traffic:
        took = _kill_and_wait(stack, "llama-server")
        time.sleep(1)
    _check_traffic(traffic, {200, 503})
    refused = [t for s, _, t in traffic.results if s == 503]
    assert refused and all("LLM runner" in t for t in refused), refused[:3]
    assert traffic.results[-1][0] == 200, "chats answer again by themselves"
    print(f"\nllama-server: back and answering {took:.1f} s after kill -9")


def test_rag_api_dies_chats_answer_without_evidence_and_nothing_is_lost(stack: Stack) -> None:
    before = _documents(stack)
    with Traffic(stack) as traffic:
        took = _kill_and_wait(stack, "rag-api")
        time.sleep(1)
    _check_traffic(traffic, {200})  # degraded, never refused: retrieval must not prevent an answer
    assert _documents(stack) == before, "nothing ingested is lost or duplicated"
    cited = _chat(stack)
    assert cited.get("citations"), "evidence is back once rag-api is"
    print(f"\nrag-api: back {took:.1f} s after kill -9; {len(before)} document(s) intact")


def test_rag_api_down_is_said_in_the_steps(stack: Stack) -> None:
    port = _component(stack, "rag-api")["port"]
    os.kill(_component(stack, "rag-api")["pid"], signal.SIGSTOP)  # hung, not gone
    try:
        answer = _chat(stack)
    finally:
        os.kill(_component(stack, "rag-api")["pid"], signal.SIGCONT)
    (step,) = [s for s in answer["steps"] if s["node"] == "retrieve"]
    assert step["outcome"] in {"timeout", "error"} and port


def test_asr_api_dies_transcriptions_get_503_then_recover(stack: Stack, tmp_path: Path) -> None:
    wav = speak(TECHNICAL[0], tmp_path / "speech.wav")
    url = f"{stack.base_url}/audio/transcriptions"
    headers = {"Authorization": f"Bearer {stack.key}"}

    def transcribe() -> httpx.Response:
        return httpx.post(url, headers=headers, data={"model": "whisper-1"},
                          files={"file": ("speech.wav", wav.read_bytes(), "audio/wav")},
                          timeout=120)  # fmt: skip

    old = _component(stack, "asr-api")
    os.kill(old["pid"], signal.SIGKILL)
    killed = time.monotonic()
    refused = transcribe()
    assert refused.status_code == 503 and refused.headers["retry-after"]
    assert "asr-api" in refused.json()["error"]["message"]
    deadline = time.monotonic() + RECOVERY_S
    while time.monotonic() < deadline:
        r = transcribe()
        if r.status_code == 200:
            break
        assert r.status_code == 503, r.text
        time.sleep(0.5)
    assert r.status_code == 200 and "yield strength" in r.json()["text"].lower()
    print(f"\nasr-api: transcribing again {time.monotonic() - killed:.1f} s after kill -9")


def test_the_tool_registry_dies_a_unit_question_still_gets_an_answer(stack: Stack) -> None:
    ask = {**CHAT, "messages": [{"role": "user", "content": "Convert 300 °F to kelvin"}]}
    headers = {"Authorization": f"Bearer {stack.key}"}
    old = _component(stack, "tool-registry")
    os.kill(old["pid"], signal.SIGKILL)
    killed = time.monotonic()
    r = httpx.post(f"{stack.base_url}/chat/completions", json=ask, headers=headers, timeout=60)
    assert r.status_code == 200, r.text
    took = _wait_back(stack, "tool-registry", old["pid"], killed)
    deadline = time.monotonic() + 30  # the orchestrator re-lists tools within its TTL
    while time.monotonic() < deadline:
        steps = httpx.post(f"{stack.base_url}/chat/completions", json=ask, headers=headers,
                           timeout=60).json()["steps"]  # fmt: skip
        done = [s for s in steps if s.get("tool") == "convert_units" and s["outcome"] == "ok"]
        if done:
            break
        time.sleep(1)
    assert done, "the rule-chosen conversion runs again once the registry is back"
    print(f"\ntool-registry: back {took:.1f} s after kill -9")


def test_mcp_dies_and_comes_back_for_its_clients(stack: Stack) -> None:
    """Cursor talks to the MCP servers directly: while mcp is down its connection is refused
    (the client retries), chat is unaffected, and the servers answer again once restarted."""
    with Traffic(stack) as traffic:
        took = _kill_and_wait(stack, "mcp")
    _check_traffic(traffic, {200})
    port = _component(stack, "mcp")["port"]
    r = httpx.get(f"http://127.0.0.1:{port}/domains",
                  headers={"Authorization": f"Bearer {stack.key}"}, timeout=30)  # fmt: skip
    assert r.status_code == 200
    print(f"\nmcp: back {took:.1f} s after kill -9")
