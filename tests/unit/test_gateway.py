"""The gateway in-process, with the orchestrator replaced by a fake peer on loopback."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from services.gateway.main import create_app
from services.gateway.settings import Settings
from tests.handler_server import Handler, closed_port_url, serve_handler

pytestmark = pytest.mark.unit

KEY = "sk-unit-test-key-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}
CHAT = {"model": "ai-stack", "messages": [{"role": "user", "content": "Yield of 316L in MPa?"}]}


def gateway(url: str, **overrides: Any) -> TestClient:
    # Conditioning has its own tests (it loads the embedding model).
    settings = Settings(
        gateway_api_keys=KEY, gateway_conditioning=False, orchestrator_url=url, **overrides
    )
    return TestClient(create_app(settings))


@contextmanager
def make_client(handler: Handler, **overrides: Any) -> Iterator[TestClient]:
    with serve_handler(handler) as url, gateway(url, **overrides) as client:
        yield client


@pytest.fixture
def seen() -> list[httpx.Request]:
    return []


@pytest.fixture
def client(seen: list[httpx.Request]) -> Iterator[TestClient]:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/health":
            return httpx.Response(200, json={"status": "ok"})
        body = json.loads(request.content)
        if body.get("stream"):
            events = b"".join(
                b"data: " + json.dumps({"id": "c1", "n": i}).encode() + b"\n\n" for i in range(3)
            )
            return httpx.Response(
                200,
                content=events + b"data: [DONE]\n\n",
                headers={"content-type": "text/event-stream"},
            )
        return httpx.Response(200, json={"id": "c1", "object": "chat.completion", "echo": body})

    with make_client(handler) as c:
        yield c


def error_of(response: httpx.Response) -> dict:
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"message", "type", "param", "code"}
    return body["error"]


@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        ({}, "missing API key"),
        ({"Authorization": "Bearer sk-wrong-key-0123456789"}, "incorrect API key"),
        ({"Authorization": f"Basic {KEY}"}, "malformed Authorization"),
        ({"Authorization": "Bearer"}, "malformed Authorization"),
    ],
)
def test_bad_credentials_get_401(client: TestClient, headers, fragment, seen) -> None:
    for method, path, kwargs in (
        ("GET", "/v1/models", {}),
        ("POST", "/v1/chat/completions", {"json": CHAT}),
    ):
        r = client.request(method, path, headers=headers, **kwargs)
        assert r.status_code == 401
        err = error_of(r)
        assert fragment in err["message"]
        assert err["code"] == "invalid_api_key"
    assert not [s for s in seen if s.url.path != "/health"], "nothing may reach the orchestrator"


def test_health_and_metrics_need_no_key(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/ready").json() == {"status": "ready", "checks": {"orchestrator": "ok"}}
    client.get("/v1/models", headers=AUTH)
    metrics = client.get("/metrics").text
    assert 'http_requests_total{method="GET",route="/v1/models",status="200"} 1.0' in metrics


def test_models_lists_published_ids(client: TestClient) -> None:
    body = client.get("/v1/models", headers=AUTH).json()
    assert body["object"] == "list"
    ids = [m["id"] for m in body["data"]]
    # Chat first, then the embedding and transcription models the same address serves.
    assert ids == ["ai-stack", "sentence-transformers/all-MiniLM-L6-v2", "whisper-1"]
    assert all(set(m) == {"id", "object", "created", "owned_by"} for m in body["data"])
    assert "rag-api" in body["data"][1]["owned_by"] and "asr-api" in body["data"][2]["owned_by"]
    assert client.get("/v1/models/ai-stack", headers=AUTH).json()["id"] == "ai-stack"
    assert client.get("/v1/models/other", headers=AUTH).status_code == 404


def test_messages_are_forwarded_byte_identical_and_unknown_fields_tolerated(client, seen) -> None:
    text = "Max stress for 316L at 300 °F in ksi?\n  keep   spacing  "
    body = {
        "model": "ai-stack",
        "messages": [{"role": "user", "content": text}],
        "store": False,
        "metadata": {"a": "b"},
        "prompt_cache_retention": "24h",
    }
    r = client.post("/v1/chat/completions", headers=AUTH, json=body)
    assert r.status_code == 200
    forwarded = json.loads(seen[-1].content)
    assert forwarded["messages"][0]["content"] == text
    assert "traceparent" in seen[-1].headers


def test_stream_is_relayed_as_sse(client: TestClient) -> None:
    with client.stream(
        "POST", "/v1/chat/completions", headers=AUTH, json={**CHAT, "stream": True}
    ) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        assert r.headers["x-accel-buffering"] == "no"
        text = "".join(r.iter_text())
    assert text.endswith("data: [DONE]\n\n")
    assert text.count("data: ") == 4


@pytest.mark.parametrize(
    ("content", "status", "fragment", "param"),
    [
        (b"{not json", 400, "could not parse the JSON body", None),
        (b"[1, 2]", 400, "must be a JSON object", None),
        (
            json.dumps({"model": "ai-stack"}).encode(),
            400,
            "missing required parameter: 'messages'",
            "messages",
        ),
        (json.dumps({"model": "ai-stack", "messages": []}).encode(), 400, "messages", "messages"),
        (json.dumps({"messages": CHAT["messages"]}).encode(), 400, "'model'", "model"),
        (json.dumps({**CHAT, "model": "nope"}).encode(), 404, "'nope' does not exist", "model"),
        (json.dumps({**CHAT, "temperature": 7}).encode(), 400, "temperature", "temperature"),
        (
            json.dumps(
                {"model": "ai-stack", "messages": [{"role": "wizard", "content": "x"}]}
            ).encode(),
            400,
            "messages.0.role",
            "messages.0.role",
        ),
    ],
)
def test_bad_input_is_a_4xx_naming_the_problem(
    client, content, status, fragment, param, seen
) -> None:
    r = client.post(
        "/v1/chat/completions",
        headers={**AUTH, "content-type": "application/json"},
        content=content,
    )
    assert r.status_code == status
    err = error_of(r)
    assert fragment in err["message"]
    assert err["param"] == param
    assert not [s for s in seen if s.url.path != "/health"]


def test_unknown_route_is_an_openai_404(client: TestClient) -> None:
    err = error_of(client.get("/v1/nothing-here", headers=AUTH))
    assert err["type"] == "not_found_error"


def test_orchestrator_down_gives_503_and_gateway_stays_up() -> None:
    with gateway(closed_port_url()) as c:
        for stream in (False, True):
            r = c.post("/v1/chat/completions", headers=AUTH, json={**CHAT, "stream": stream})
            assert r.status_code == 503
            err = error_of(r)
            assert "orchestrator" in err["message"] and "unreachable" in err["message"]
        assert c.get("/health").status_code == 200
        ready = c.get("/ready")
        assert ready.status_code == 503 and "orchestrator" in ready.json()["checks"]


def test_orchestrator_errors_pass_through_with_their_status() -> None:
    upstream_error = {
        "error": {
            "message": "the LLM runner (llamacpp) at http://x is unreachable",
            "type": "service_unavailable",
            "param": None,
            "code": "upstream_unavailable",
        }
    }

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, json=upstream_error)

    with make_client(handler) as c:
        for stream in (False, True):
            r = c.post("/v1/chat/completions", headers=AUTH, json={**CHAT, "stream": stream})
            assert r.status_code == 503
            assert r.json() == upstream_error


def test_orchestrator_timeout_gives_504() -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(1.0)
        return httpx.Response(200, json={"late": True})

    with make_client(slow, http_read_timeout_s=0.2) as c:
        r = c.post("/v1/chat/completions", headers=AUTH, json=CHAT)
        assert r.status_code == 504
        assert "did not answer in time" in error_of(r)["message"]
