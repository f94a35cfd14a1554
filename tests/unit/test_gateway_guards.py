"""Keys, budgets, size caps, Cursor's Responses-shaped body, keep-alive: the gateway in-process,
with the orchestrator replaced by a fake peer on loopback."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from fastapi.testclient import TestClient

from services.gateway.main import create_app
from services.gateway.settings import Settings
from services.kit.logging import configure_logging
from services.kit.settings import SettingsError
from tests.handler_server import Handler, serve_handler

pytestmark = pytest.mark.unit

KEY = "sk-unit-test-key-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}
CHAT = {"model": "ai-stack", "messages": [{"role": "user", "content": "hi"}]}


def echo(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/health":
        return httpx.Response(200, json={"status": "ok"})
    return httpx.Response(200, json={"forwarded": json.loads(request.content)})


@contextmanager
def client(handler: Handler = echo, **settings) -> Iterator[TestClient]:
    settings.setdefault("gateway_conditioning", False)  # tested in test_conditioning.py
    with serve_handler(handler) as url:
        s = Settings(
            gateway_api_keys=settings.pop("gateway_api_keys", KEY), orchestrator_url=url, **settings
        )
        with TestClient(create_app(s)) as c:
            yield c


# -- keys -----------------------------------------------------------------------------------
def test_keys_file_names_keys_and_sets_their_limits(tmp_path) -> None:
    path = tmp_path / "keys.yaml"
    path.write_text(
        "keys:\n"
        "  - {name: alice, key: sk-alice-0123456789abcdef, rpm: 2}\n"
        "  - {name: bob, key: sk-bob-0123456789abcdefgh}\n"
    )
    with client(gateway_api_keys="", gateway_api_keys_file=path) as c:
        alice = {"Authorization": "Bearer sk-alice-0123456789abcdef"}
        bob = {"Authorization": "Bearer sk-bob-0123456789abcdefgh"}
        assert [
            c.post("/v1/chat/completions", headers=alice, json=CHAT).status_code for _ in range(3)
        ] == [200, 200, 429]
        assert c.post("/v1/chat/completions", headers=bob, json=CHAT).status_code == 200


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ("", "no API keys"),
        ("short", "shorter than 16"),
        ("a:sk-0123456789abcdef,a:sk-fedcba9876543210", "unique"),
    ],
)
def test_bad_key_configuration_fails_at_start(keys: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        create_app(Settings(gateway_api_keys=keys, gateway_conditioning=False))


def test_bad_keys_file_names_the_file(tmp_path) -> None:
    path = tmp_path / "keys.yaml"
    path.write_text("keys:\n  - {name: x, key: sk-0123456789abcdef, rpn: 3}\n")
    with pytest.raises(SettingsError, match="GATEWAY_API_KEYS_FILE"):
        create_app(Settings(gateway_api_keys_file=path, gateway_conditioning=False))


def test_keys_never_reach_the_logs() -> None:
    out = io.StringIO()
    configure_logging("gateway", "debug", stream=out)
    try:
        with client(gateway_api_keys=f"ci:{KEY}") as c:
            c.post("/v1/chat/completions", headers=AUTH, json=CHAT)
            c.post(
                "/v1/chat/completions",
                headers={"Authorization": "Bearer sk-wrong-0123456789abcd"},
                json=CHAT,
            )
    finally:
        logging.getLogger().handlers[:] = []
    text = out.getvalue()
    assert KEY not in text and "sk-wrong" not in text
    records = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    assert any(r.get("key_name") == "ci" and r.get("status") == 200 for r in records)


# -- budgets ----------------------------------------------------------------------------------
def test_61st_request_in_a_minute_under_rpm_60_is_429_with_retry_after() -> None:
    with client(gateway_default_rpm=60) as c:
        statuses = [
            c.post("/v1/chat/completions", headers=AUTH, json=CHAT).status_code for _ in range(60)
        ]
        assert statuses == [200] * 60
        refused = c.post("/v1/chat/completions", headers=AUTH, json=CHAT)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    error = refused.json()["error"]
    assert error["type"] == "rate_limit_error" and "60 requests per minute" in error["message"]


def test_token_budget_counts_prompt_and_completion() -> None:
    with client(gateway_default_tpm=1000) as c:
        big = {**CHAT, "max_tokens": 600}
        assert c.post("/v1/chat/completions", headers=AUTH, json=big).status_code == 200
        second = c.post("/v1/chat/completions", headers=AUTH, json=big)
        assert (
            second.status_code == 429 and "tokens per minute" in second.json()["error"]["message"]
        )
        never = c.post("/v1/chat/completions", headers=AUTH, json={**CHAT, "max_tokens": 5000})
        assert never.status_code == 429 and never.headers["x-should-retry"] == "false"


# -- size and shape guards ---------------------------------------------------------------------
def test_ten_megabyte_body_is_413() -> None:
    huge = {**CHAT, "messages": [{"role": "user", "content": "x" * (10 * 1024 * 1024)}]}
    with client() as c:
        r = c.post("/v1/chat/completions", headers=AUTH, json=huge)
        assert r.status_code == 413
        assert "GATEWAY_MAX_BODY_BYTES" in r.json()["error"]["message"]

        def chunks():
            yield b'{"model": "ai-stack", "messages": [{"role": "user", "content": "'
            for _ in range(10):
                yield b"y" * (1024 * 1024)
            yield b'"}]}'

        chunked = c.post(
            "/v1/chat/completions",
            headers={**AUTH, "content-type": "application/json"},
            content=chunks(),
        )
        assert chunked.status_code == 413
        assert c.get("/health").status_code == 200


def test_message_count_and_max_tokens_caps() -> None:
    with client(gateway_max_messages=3, gateway_max_tokens_cap=100) as c:
        many = {**CHAT, "messages": CHAT["messages"] * 4}
        r = c.post("/v1/chat/completions", headers=AUTH, json=many)
        assert r.status_code == 400 and "GATEWAY_MAX_MESSAGES" in r.json()["error"]["message"]
        r = c.post("/v1/chat/completions", headers=AUTH, json={**CHAT, "max_tokens": 101})
        assert r.status_code == 400 and r.json()["error"]["param"] == "max_tokens"


# -- Cursor agent mode: a Responses-shaped body on /chat/completions ----------------------------
CURSOR_AGENT_BODY = {
    "model": "ai-stack",
    "instructions": "You are a coding agent.",
    "input": [
        {
            "role": "user",
            "content": [
                {"type": "input_text", "text": "Open "},
                {"type": "input_text", "text": "main.py"},
            ],
        },
        {"type": "reasoning", "summary": []},
        {
            "type": "function_call",
            "call_id": "call_1",
            "name": "read_file",
            "arguments": '{"path": "main.py"}',
        },
        {
            "type": "function_call",
            "call_id": "call_2",
            "name": "list_dir",
            "arguments": '{"path": "."}',
        },
        {"type": "function_call_output", "call_id": "call_1", "output": "print('hi')"},
        {"type": "function_call_output", "call_id": "call_2", "output": "main.py"},
    ],
    "tools": [
        {
            "type": "function",
            "name": "read_file",
            "description": "Read a file",
            "parameters": {"type": "object", "properties": {"path": {"type": "string"}}},
        },
        {"type": "custom", "name": "apply_patch", "description": "Apply a patch"},
    ],
    "tool_choice": "auto",
    "reasoning": {"effort": "medium"},
    "store": False,
    "include": ["reasoning.encrypted_content"],
    "stream": False,
    "max_output_tokens": 64,
}


def test_cursor_agent_body_is_answered_in_chat_form() -> None:
    with client() as c:
        r = c.post("/v1/chat/completions", headers=AUTH, json=CURSOR_AGENT_BODY)
    assert r.status_code == 200, r.text
    sent = r.json()["forwarded"]
    assert sent["max_tokens"] == 64 and "input" not in sent and "reasoning" not in sent
    roles = [m["role"] for m in sent["messages"]]
    assert roles == ["system", "user", "assistant", "tool", "tool"]
    assert sent["messages"][1]["content"] == "Open main.py"
    calls = sent["messages"][2]["tool_calls"]
    assert [c["id"] for c in calls] == ["call_1", "call_2"]
    assert calls[0]["function"] == {"name": "read_file", "arguments": '{"path": "main.py"}'}
    assert sent["messages"][3] == {
        "role": "tool",
        "tool_call_id": "call_1",
        "content": "print('hi')",
    }
    assert [t["function"]["name"] for t in sent["tools"]] == ["read_file", "apply_patch"]


@pytest.mark.parametrize(
    ("patch", "param"),
    [
        ({"previous_response_id": "resp_1"}, "previous_response_id"),
        ({"tools": [{"type": "web_search"}]}, "tools[0]"),
        ({"input": [{"type": "computer_call"}]}, "input[0]"),
    ],
)
def test_what_cannot_be_honoured_is_a_400_naming_it(patch, param) -> None:
    with client() as c:
        r = c.post("/v1/chat/completions", headers=AUTH, json={**CURSOR_AGENT_BODY, **patch})
    assert r.status_code == 400 and r.json()["error"]["param"] == param


# -- streaming ----------------------------------------------------------------------------------
def test_keepalive_comments_while_the_orchestrator_works() -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/health":
            return httpx.Response(200)
        # Ten keep-alive intervals: two comments arrive however loaded the machine is.
        await asyncio.sleep(1.0)
        return httpx.Response(
            200,
            content=b'data: {"id": "c"}\n\ndata: [DONE]\n\n',
            headers={"content-type": "text/event-stream"},
        )

    with client(slow, gateway_keepalive_s=0.1) as c:
        with c.stream(
            "POST", "/v1/chat/completions", headers=AUTH, json={**CHAT, "stream": True}
        ) as r:
            text = "".join(r.iter_text())
    assert text.startswith(": keep-alive\n\n")
    assert text.count(": keep-alive") >= 2
    assert text.endswith('data: {"id": "c"}\n\ndata: [DONE]\n\n')


def test_failure_after_keepalive_travels_in_band() -> None:
    async def slow_then_fail(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/health":
            return httpx.Response(200)
        await asyncio.sleep(1.0)
        return httpx.Response(200, json={"late": True})

    # The orchestrator stops answering after the keep-alives have begun (read timeout).
    with client(slow_then_fail, gateway_keepalive_s=0.1, http_read_timeout_s=0.3) as c:
        with c.stream(
            "POST", "/v1/chat/completions", headers=AUTH, json={**CHAT, "stream": True}
        ) as r:
            assert r.status_code == 200
            text = "".join(r.iter_text())
    last = text.strip().split("\n\n")[-1]
    assert last.startswith("data: ") and json.loads(last[6:])["error"]["code"] == "upstream_timeout"
