"""The whole chat path on loopback: the real `openai` client → gateway → orchestrator →
llama-server with the bundled Gemma 3 270M, every service its own process via `aistack up`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from tests.integration.stackproc import Stack, start_stack, stop, wait_until

pytestmark = pytest.mark.integration

MODEL = "ai-stack"
PROMPT = [{"role": "user", "content": "Water boils at 100 °C at a pressure of"}]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    s = start_stack(tmp_path_factory.mktemp("e2e"))
    try:
        yield s
    finally:
        stop(s)


@pytest.fixture(scope="module")
def client(stack: Stack) -> openai.OpenAI:
    return openai.OpenAI(base_url=stack.base_url, api_key=stack.key, max_retries=0, timeout=60)


def test_up_prints_url_key_and_curl_line(stack: Stack) -> None:
    out = stack.output.read_text()
    assert stack.base_url in out
    assert stack.key in out
    curl = next(line for line in out.splitlines() if line.startswith("curl "))
    assert f"Bearer {stack.key}" in curl and f"{stack.base_url}/chat/completions" in curl
    assert (stack.home / "dev-api-key").stat().st_mode & 0o077 == 0, "key file must be private"


def test_models_are_listed(client: openai.OpenAI) -> None:
    models = client.models.list()
    assert models.data[0].id == MODEL
    assert {m.id for m in models.data} == {
        MODEL,
        "sentence-transformers/all-MiniLM-L6-v2",
        "whisper-1",
    }
    assert all(m.object == "model" and m.owned_by for m in models.data)


def test_non_streamed_completion_has_content_and_usage(client: openai.OpenAI) -> None:
    answer = client.chat.completions.create(model=MODEL, messages=PROMPT, max_tokens=16)
    assert answer.id.startswith("chatcmpl-")
    assert answer.model == MODEL, "the runner's file-path model id must not leak"
    assert answer.object == "chat.completion"
    choice = answer.choices[0]
    assert choice.message.role == "assistant"
    assert isinstance(choice.message.content, str) and choice.message.content
    assert choice.finish_reason in {"stop", "length"}
    assert answer.usage is not None
    assert answer.usage.prompt_tokens > 0 and 0 < answer.usage.completion_tokens <= 16
    assert answer.usage.total_tokens == answer.usage.prompt_tokens + answer.usage.completion_tokens


def test_max_tokens_is_honoured(client: openai.OpenAI) -> None:
    answer = client.chat.completions.create(
        model=MODEL, messages=PROMPT, max_tokens=3, temperature=0
    )
    assert answer.usage is not None and answer.usage.completion_tokens <= 3


def test_streamed_completion_follows_the_chunk_rules(client: openai.OpenAI) -> None:
    chunks = list(
        client.chat.completions.create(
            model=MODEL,
            messages=PROMPT,
            max_tokens=12,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    content_chunks = [c for c in chunks if c.choices]
    assert len(content_chunks) >= 3, "tokens must arrive in several chunks"
    assert len({c.id for c in chunks}) == 1 and len({c.created for c in chunks}) == 1
    assert all(c.object == "chat.completion.chunk" and c.model == MODEL for c in chunks)
    assert content_chunks[0].choices[0].delta.role == "assistant"
    assert content_chunks[-1].choices[0].finish_reason in {"stop", "length"}
    assert all(c.choices[0].finish_reason is None for c in content_chunks[:-1])
    assert all(c.usage is None for c in content_chunks)
    usage_chunk = chunks[-1]
    assert usage_chunk.choices == [] and usage_chunk.usage is not None
    assert usage_chunk.usage.completion_tokens > 0
    text = "".join(c.choices[0].delta.content or "" for c in content_chunks)
    assert text


def test_stream_wire_format(stack: Stack) -> None:
    body = {"model": MODEL, "messages": PROMPT, "max_tokens": 5, "stream": True}
    headers = {"Authorization": f"Bearer {stack.key}"}
    with httpx.stream(
        "POST", f"{stack.base_url}/chat/completions", json=body, headers=headers, timeout=60
    ) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        assert r.headers["x-accel-buffering"] == "no"
        raw = r.read().decode()
    events = [e for e in raw.split("\n\n") if e]
    assert all(e.startswith("data: ") for e in events)
    assert events[-1] == "data: [DONE]"
    payloads = [json.loads(e.removeprefix("data: ")) for e in events[:-1]]
    assert all(p["choices"] is not None for p in payloads)


async def test_async_client_streams(stack: Stack) -> None:
    async with openai.AsyncOpenAI(base_url=stack.base_url, api_key=stack.key, max_retries=0) as c:
        stream = await c.chat.completions.create(
            model=MODEL, messages=PROMPT, max_tokens=6, stream=True
        )
        pieces = [chunk async for chunk in stream]
    assert pieces and pieces[-1].choices[0].finish_reason in {"stop", "length"}


@pytest.mark.parametrize("key", ["", "sk-not-the-right-key-000000"])
def test_missing_or_wrong_key_is_401(stack: Stack, key: str) -> None:
    bad = openai.OpenAI(base_url=stack.base_url, api_key=key or "x", max_retries=0)
    headers = {"Authorization": ""} if not key else None
    with pytest.raises(openai.AuthenticationError) as info:
        bad.chat.completions.create(model=MODEL, messages=PROMPT, extra_headers=headers)
    assert info.value.status_code == 401
    error = info.value.body
    assert isinstance(error, dict) and set(error) >= {"message", "type", "param", "code"}
    assert error["code"] == "invalid_api_key"
    with pytest.raises(openai.AuthenticationError):
        bad.models.list(extra_headers=headers)


def test_unknown_model_is_404_naming_it(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as info:
        client.chat.completions.create(model="no-such-model", messages=PROMPT)
    assert "no-such-model" in info.value.message
    assert info.value.code == "model_not_found"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b'{"model": "ai-stack", "messages": [', "could not parse the JSON body"),
        (json.dumps({"model": MODEL}).encode(), "missing required parameter: 'messages'"),
    ],
)
def test_bad_bodies_are_400_naming_the_problem(stack: Stack, content: bytes, fragment: str) -> None:
    r = httpx.post(
        f"{stack.base_url}/chat/completions",
        content=content,
        headers={"Authorization": f"Bearer {stack.key}", "Content-Type": "application/json"},
        timeout=30,
    )
    assert r.status_code == 400
    assert fragment in r.json()["error"]["message"]


def test_one_trace_id_from_gateway_to_orchestrator(stack: Stack, client: openai.OpenAI) -> None:
    client.chat.completions.create(model=MODEL, messages=PROMPT, max_tokens=2)
    chat = "/v1/chat/completions"
    gateway = [
        r
        for r in stack.log_records("gateway")
        if r.get("event") == "request" and r.get("path") == chat and r.get("status") == 200
    ]

    def orchestrator() -> set[str]:
        return {
            r["trace_id"]
            for r in stack.log_records("orchestrator")
            if r.get("event") == "request" and r.get("path") == chat
        }

    assert gateway, "the gateway logs each chat request"
    assert all(len(record["trace_id"]) == 32 for record in gateway)
    # Each process writes its access line once its response is out, so the orchestrator's
    # line can land a moment after the gateway's.
    wait_until(
        lambda: {r["trace_id"] for r in gateway} <= orchestrator(),
        timeout_s=5,
        what="the orchestrator to log the same trace ids as the gateway",
    )
    # Keys never reach the logs.
    for service in ("gateway", "orchestrator"):
        assert stack.key not in (stack.home / "logs" / f"{service}.log").read_text()


def test_the_stack_transcribes_audio(stack: Stack, tmp_path: Path) -> None:
    """asr-api runs in the local stack; the openai client transcribes espeak-ng speech."""
    from tests.asr.speech import TECHNICAL, speak

    wav = speak(TECHNICAL[0], tmp_path / "speech.wav")
    asr_port = next(c["port"] for c in stack.state()["components"] if c["name"] == "asr-api")
    token = stack.service_headers["Authorization"].removeprefix("Bearer ")
    client = openai.OpenAI(base_url=f"http://127.0.0.1:{asr_port}/v1", api_key=token)
    with wav.open("rb") as audio:
        result = client.audio.transcriptions.create(
            model="whisper-1", file=audio, response_format="verbose_json"
        )
    assert "yield strength" in result.text.lower()
    assert result.segments and result.segments[0].model_extra["tag"] == "technical"


def test_ingested_document_is_cited_in_the_chat_answer(stack: Stack, tmp_path: Path) -> None:
    """aistack ingest → rag-api (embedded Qdrant engine) → the orchestrator's retrieve node →
    the answer carries the document's citation, streamed and not."""
    doc = tmp_path / "zx9-alloy.md"
    doc.write_text(
        "# ZX9 alloy datasheet\n\nThe ZX9 titanium alloy has a yield strength of 910 MPa and "
        "must not be used above 450 °C. Its density is 4.43 g/cm³.\n"
    )
    bad = tmp_path / "tool.exe"
    bad.write_bytes(b"MZ\x00\x01")
    first = stack.cli("ingest", str(doc), "--domain", "materials", timeout=300)
    assert first.returncode == 0, first.stdout + first.stderr
    again = stack.cli("ingest", str(doc), "--domain", "materials", timeout=300)
    assert again.returncode == 0 and "unchanged" in again.stdout
    mixed = stack.cli("ingest", str(bad), str(doc), timeout=300)
    assert mixed.returncode == 1 and "tool.exe" in mixed.stdout
    indexed = stack.cli("optimize", timeout=300)
    assert indexed.returncode == 0 and "indexed" in indexed.stdout, indexed.stdout

    client = openai.OpenAI(base_url=stack.base_url, api_key=stack.key, max_retries=0)
    question = [
        {"role": "user", "content": "What is the yield strength of the ZX9 titanium alloy?"}
    ]
    answer = client.chat.completions.create(model=MODEL, messages=question, max_tokens=8)
    citations = answer.model_extra["citations"]
    assert citations[0]["source"] == "zx9-alloy.md" and citations[0]["index"] == 1
    assert citations[0]["chunk_id"]
    chunks = list(
        client.chat.completions.create(model=MODEL, messages=question, max_tokens=8, stream=True)
    )
    final = [c for c in chunks if c.choices and c.choices[0].finish_reason][-1]
    assert final.model_extra["citations"][0]["source"] == "zx9-alloy.md"


def test_transcript_is_ingested_and_retrievable_with_timestamps(
    stack: Stack, tmp_path: Path
) -> None:
    """aistack transcribe --ingest: asr-api → rag-api; the passage cites its [start, end]."""
    from tests.asr.speech import NARRATIVE, TECHNICAL, speak

    recording = speak(
        " ".join([NARRATIVE[0], TECHNICAL[0], TECHNICAL[1]]), tmp_path / "lab-walkthrough.wav"
    )
    plain = stack.cli("transcribe", str(recording), timeout=300)
    assert plain.returncode == 0, plain.stdout + plain.stderr
    lines = plain.stdout.lower().splitlines()
    assert any("technical" in line and "kilonewton" in line for line in lines), plain.stdout
    assert any("narrative" in line and "grandmother" in line for line in lines)

    stored = stack.cli("transcribe", str(recording), "--ingest", "--domain", "mech", timeout=300)
    assert stored.returncode == 0, stored.stdout + stored.stderr
    assert "1 document(s) ingested" in stored.stdout

    rag = next(c["port"] for c in stack.state()["components"] if c["name"] == "rag-api")
    found = httpx.post(
        f"http://127.0.0.1:{rag}/retrieve",
        json={"query": "tensile specimen loaded in kilonewtons, strain", "top_k": 3},
        headers=stack.service_headers,
        timeout=60,
    ).json()["documents"]
    top = next(d for d in found if d["citation"]["source"] == "lab-walkthrough.wav")
    assert "kilonewton" in top["content"].lower()
    start, end = top["citation"]["start_s"], top["citation"]["end_s"]
    assert 0 <= start < end


def test_status_reports_every_service_ready(stack: Stack) -> None:
    result = stack.cli("status")
    assert result.returncode == 0, result.stdout
    for name in ("llama-server", "rag-api", "asr-api", "orchestrator", "gateway"):
        assert name in result.stdout


@pytest.mark.parametrize("backend", ["ollama", "vllm", "openai", "llamacpp"])
async def test_every_backend_speaks_through_the_same_client(stack: Stack, backend: str) -> None:
    """llama-server stands in for each runner: only the URL and the model name differ."""
    from services.kit.llm import LLMClient
    from services.kit.settings import StackSettings

    url = f"http://127.0.0.1:{stack.llama_port}/v1"
    settings = StackSettings(
        llm_backend=backend,
        llm_base_url=url,
        ollama_model="gemma-3-270m",
        vllm_model="gemma-3-270m",
        llm_model="gemma-3-270m" if backend == "openai" else None,
        llm_api_key="sk-runner-key" if backend == "openai" else None,
    )
    llm = LLMClient(settings)
    try:
        await llm.ping()
        assert await llm.model() == "gemma-3-270m"
        answer = await llm.complete([{"role": "user", "content": "Steel is"}], max_tokens=4)
        assert answer["choices"][0]["message"]["content"]
        pieces = [c async for c in llm.stream([{"role": "user", "content": "Steel"}], max_tokens=4)]
        assert len(pieces) >= 2
    finally:
        await llm.aclose()


def test_client_disconnect_cancels_generation(stack: Stack) -> None:
    import time

    body = {"model": MODEL, "messages": PROMPT, "max_tokens": 4000, "stream": True}
    headers = {"Authorization": f"Bearer {stack.key}"}
    started = time.monotonic()
    with httpx.stream(
        "POST", f"{stack.base_url}/chat/completions", json=body, headers=headers, timeout=60
    ) as r:
        lines = r.iter_lines()
        received = [next(lines) for _ in range(6)]
    assert any(line.startswith("data: ") for line in received)
    llama_log = stack.home / "logs" / "llama-server.log"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        events = [r.get("event") for r in stack.log_records("orchestrator")]
        noticed = "client disconnected; generation cancelled" in events
        if noticed and "cancel task" in llama_log.read_text():
            break  # the orchestrator noticed, and llama-server stopped generating
        time.sleep(0.1)
    else:
        pytest.fail("the client left but generation was not cancelled end to end")
    # The runner is free again at once (4000 tokens would take far longer than this).
    answer = openai.OpenAI(
        base_url=stack.base_url, api_key=stack.key, max_retries=0
    ).chat.completions.create(model=MODEL, messages=PROMPT, max_tokens=2)
    assert answer.choices[0].message.content is not None
    assert time.monotonic() - started < 30


# --- What the model is given (issue: every prompt reached llama-server as the word "gemma") ---

FORTY_WORDS = (
    "Our plant runs a jacketed stainless reactor and we want to check the relief valve on "
    "vessel PV-12 before the next batch, so tell me the set pressure, the inspection "
    "interval, and whether the spring rating matches today's operating conditions."
)


def _llama(stack: Stack, path: str, body: dict) -> dict:
    url = f"http://127.0.0.1:{stack.llama_port}{path}"
    response = httpx.post(url, json=body, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def _tokens(stack: Stack, text: str) -> int:
    return len(_llama(stack, "/tokenize", {"content": text, "add_special": False})["tokens"])


def _prompt_tokens(client: openai.OpenAI, text: str) -> int:
    answer = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": text}], max_tokens=1, temperature=0
    )
    assert answer.usage is not None
    return answer.usage.prompt_tokens


def _seen(stack: Stack, client: openai.OpenAI, text: str) -> tuple[int, str]:
    """Ask ``text``; return the prompt tokens the model counted and the prompt it should have
    been given: the orchestrator's record of the run (GET /v1/debug/last), framed by the same
    function the generate node uses and rendered by llama-server's own template."""
    from services.orchestrator.graph.generate import frame_for

    used = _prompt_tokens(client, text)
    headers = {"Authorization": f"Bearer {stack.key}"}
    run = httpx.get(f"{stack.base_url}/debug/last", headers=headers, timeout=30).json()["run"]
    assert run["messages"][-1]["content"] == text
    prompt = _llama(stack, "/apply-template", {"messages": frame_for(run, run.get("notes", []))})
    count = len(
        _llama(stack, "/tokenize", {"content": prompt["prompt"], "add_special": True})["tokens"]
    )
    assert used == count, f"the model saw {used} tokens, the recorded frame renders to {count}"
    return used, prompt["prompt"]


def test_the_question_reaches_the_model_and_its_length_counts(
    stack: Stack, client: openai.OpenAI
) -> None:
    assert len(FORTY_WORDS.split()) == 40
    used, prompt = _seen(stack, client, FORTY_WORDS)
    assert used >= 40, f"a 40-word question reached the model as {used} tokens"
    assert used >= _tokens(stack, FORTY_WORDS) and FORTY_WORDS in prompt
    # A longer message costs more prompt tokens, exactly as its own frame renders.
    longer = FORTY_WORDS + " Also list the last three inspection dates with the inspector's name."
    _, prompt = _seen(stack, client, longer)
    assert longer in prompt


def _user(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


def test_the_constraint_line_and_the_evidence_are_in_what_the_model_saw(
    stack: Stack, client: openai.OpenAI, tmp_path: Path
) -> None:
    """After ingesting the document that states PV-12's set pressure, the same question's
    prompt holds the conditioning's constraint line and the document's text, token for token
    what the orchestrator's frame renders to."""
    doc = tmp_path / "pv-12-relief-valve.md"
    statement = (
        "The relief valve of pressure vessel PV-12 is set to 150 psi and is inspected every "
        "12 months; its spring is rated for 140 to 160 psi."
    )
    doc.write_text(f"# PV-12 relief valve\n\n{statement}\n")
    ingested = stack.cli("ingest", str(doc), "--domain", "mech", timeout=300)
    assert ingested.returncode == 0, ingested.stdout + ingested.stderr

    question = (
        "What is the relief valve set pressure of PV-12 in psi? "
        "The pressure must not exceed 160 psi."
    )
    used, prompt = _seen(stack, client, question)
    assert question in prompt
    assert "- The pressure must not exceed 160 psi." in prompt, prompt
    assert statement in prompt, "the ingested chunk is in the frame"
    assert prompt.index("Constraints stated in the question") < prompt.index(statement)
    assert used >= _tokens(stack, question) + _tokens(stack, statement)


def test_the_stack_runs_the_tool_registry(stack: Stack) -> None:
    """`aistack up` starts the tool registry with the repository's example plugins."""
    assert "tool-registry" in stack.pids()
    base = f"http://127.0.0.1:{stack.env['TOOLS_PORT']}"
    headers = stack.service_headers  # the tools API is internal
    tools = httpx.get(f"{base}/tools", headers=headers, timeout=30).json()["tools"]
    names = {t["function"]["name"] for t in tools}
    assert {"convert_units", "reynolds_number", "word_count"} <= names
    answer = httpx.post(
        f"{base}/tools/convert_units/invoke",
        json={"arguments": {"quantity": "3 bar", "to": "kPa"}},
        headers=headers,
        timeout=30,
    ).json()
    assert answer["content"]["value"] == 300.0
    listed = stack.cli("tools")
    assert listed.returncode == 0 and "reynolds_number" in listed.stdout, listed.stderr


def test_a_unit_question_runs_convert_units_by_rule(stack: Stack, client: openai.OpenAI) -> None:
    """The embedded base model cannot call tools: the planner's rule calls the registry's
    convert_units, and its result is in the answer's steps and in what the model was given."""
    question = "Convert 300 °F to kelvin"
    answer = client.chat.completions.create(
        model=MODEL, messages=_user(question), max_tokens=4, temperature=0
    )
    steps = answer.model_extra["steps"]
    (conversion,) = [s for s in steps if s.get("tool") == "convert_units"]
    assert conversion["node"] == "tool" and conversion["outcome"] == "ok"
    assert conversion["arguments"] == {"quantity": "300 degF", "to": "kelvin"}
    result = conversion["result"]
    assert result["value"] == pytest.approx(422.04, abs=0.01) and result["unit"] == "kelvin"
    assert result["si_value"] == pytest.approx(422.04, abs=0.01) and result["si_unit"] == "K"
    assert steps[-1]["node"] == "generate"
    _, prompt = _seen(stack, client, question)
    assert "convert_units(quantity=300 degF, to=kelvin)" in prompt and "422.03" in prompt


@pytest.mark.parametrize("service", ["orchestrator", "rag-api", "asr-api"])
def test_internal_services_refuse_calls_without_the_service_token(
    stack: Stack, service: str
) -> None:
    """Reaching an internal port is not enough: the gateway's keys and budgets cannot be
    bypassed. Probes stay open."""
    port = next(c["port"] for c in stack.state()["components"] if c["name"] == service)
    base = f"http://127.0.0.1:{port}"
    path = {"orchestrator": "/v1/chat/completions", "rag-api": "/retrieve",
            "asr-api": "/v1/audio/transcriptions"}[service]  # fmt: skip
    for headers in ({}, {"Authorization": f"Bearer {stack.key}"}):  # none, or a user's key
        refused = httpx.post(base + path, json={}, headers=headers, timeout=30)
        assert refused.status_code == 401, refused.text
        assert "service token" in refused.json()["error"]["message"]
    assert httpx.get(base + "/health", timeout=30).status_code == 200
    assert httpx.get(base + "/metrics", timeout=30).status_code == 200
    allowed = httpx.post(base + path, json={}, headers=stack.service_headers, timeout=30)
    assert allowed.status_code not in (401, 403)
    for log in (stack.home / "logs").glob("*.log"):
        token = stack.service_headers["Authorization"].removeprefix("Bearer ")
        assert token not in log.read_text(errors="replace"), f"the token is in {log.name}"
