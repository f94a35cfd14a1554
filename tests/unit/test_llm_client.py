"""The LLM runner client over the OpenAI wire protocol; the runner is a fake peer on loopback."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import ExitStack

import httpx
import pytest

from services.kit.errors import (
    InvalidRequestError,
    UpstreamError,
    UpstreamTimeoutError,
    UpstreamUnavailableError,
)
from services.kit.llm import LLMClient
from services.kit.settings import SettingsError, StackSettings
from tests.handler_server import Handler, closed_port_url, serve_handler

pytestmark = pytest.mark.unit

MSG = [{"role": "user", "content": "hi"}]


MakeClient = Callable[..., LLMClient]


@pytest.fixture
async def client() -> AsyncIterator[MakeClient]:
    """``client(handler, **settings)``: an LLMClient whose runner is ``handler`` on loopback
    (or, with ``url=``, whatever listens there)."""
    made: list[LLMClient] = []
    with ExitStack() as servers:

        def make(handler: Handler | None = None, url: str | None = None, **settings) -> LLMClient:
            base = url or servers.enter_context(serve_handler(handler))
            made.append(LLMClient(StackSettings(llm_base_url=base + "/v1", **settings)))
            return made[-1]

        yield make
        for llm in made:
            await llm.aclose()


def sse(*events: str) -> httpx.Response:
    body = "".join(f"{e}\n\n" for e in events).encode()
    return httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})


async def test_model_is_discovered_once_and_requests_carry_it(client: MakeClient) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/v1/models":
            return httpx.Response(200, json={"data": [{"id": "/models/x.gguf"}]})
        return httpx.Response(
            200, json={"id": "c", "choices": [], "echo": json.loads(request.content)}
        )

    llm = client(handler)
    first = await llm.complete(MSG, max_tokens=3)
    await llm.complete(MSG)
    assert [r.url.path for r in seen] == [
        "/v1/models",
        "/v1/chat/completions",
        "/v1/chat/completions",
    ]
    assert first["echo"] == {
        "model": "/models/x.gguf",
        "messages": MSG,
        "stream": False,
        "max_tokens": 3,
    }


async def test_stream_parses_sse_and_skips_comments(client: MakeClient) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
        return sse(
            ": keep-alive",
            'data: {"choices": [{"delta": {"content": "a"}}]}',
            'data: {"choices": [], "usage": {"total_tokens": 2}}',
            "data: [DONE]",
        )

    llm = client(handler, llm_model="m")
    chunks = [c async for c in llm.stream(MSG, include_usage=True)]
    assert chunks == [
        {"choices": [{"delta": {"content": "a"}}]},
        {"choices": [], "usage": {"total_tokens": 2}},
    ]


async def test_api_key_is_sent_for_hosted_backends(client: MakeClient) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"auth": request.headers.get("authorization")})

    llm = client(handler, llm_backend="openai", llm_model="m", llm_api_key="sk-up")
    assert (await llm.complete(MSG))["auth"] == "Bearer sk-up"
    with pytest.raises(SettingsError, match="LLM_API_KEY"):
        LLMClient(StackSettings(llm_backend="openai"))


@pytest.mark.parametrize(
    ("response", "error", "fragment"),
    [
        (
            httpx.Response(400, json={"error": {"message": "context too long"}}),
            InvalidRequestError,
            "context too long",
        ),
        (httpx.Response(500, text="boom"), UpstreamError, "answered 500: boom"),
        (httpx.Response(429, json={"error": "busy"}), UpstreamError, "answered 429: busy"),
    ],
)
async def test_runner_errors_map_onto_the_error_tree(
    response, error, fragment, client: MakeClient
) -> None:
    llm = client(lambda request: response, llm_model="m")
    with pytest.raises(error, match=fragment):
        await llm.complete(MSG)
    with pytest.raises(error, match=fragment):
        async for _ in llm.stream(MSG):
            pass


async def _never_answers(request: httpx.Request) -> httpx.Response:
    await asyncio.sleep(1.0)
    return httpx.Response(200, json={"data": []})


@pytest.mark.parametrize(
    ("runner", "error"),
    [
        ({"url": "refused"}, UpstreamUnavailableError),
        ({"handler": _never_answers, "http_read_timeout_s": 0.2}, UpstreamTimeoutError),
    ],
)
async def test_transport_failures_map_onto_the_error_tree(
    runner, error, client: MakeClient
) -> None:
    if runner.get("url") == "refused":
        runner = {"url": closed_port_url()}
    llm = client(llm_model="m", **runner)
    with pytest.raises(error, match="LLM runner"):
        await llm.complete(MSG)
    with pytest.raises(error):
        await llm.ping()


async def test_error_inside_the_stream_is_raised(client: MakeClient) -> None:
    llm = client(lambda r: sse('data: {"error": {"message": "slot crashed"}}'), llm_model="m")
    with pytest.raises(UpstreamError, match="slot crashed"):
        async for _ in llm.stream(MSG):
            pass


async def test_no_compression_is_asked_for_and_a_compressed_answer_is_still_read(
    client: MakeClient,
) -> None:
    import gzip

    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = gzip.compress(json.dumps({"id": "c", "choices": []}).encode())
        return httpx.Response(
            200,
            content=body,
            headers={"content-type": "application/json", "content-encoding": "gzip"},
        )

    llm = client(handler, llm_model="m")
    assert (await llm.complete(MSG))["id"] == "c"
    assert "accept-encoding" not in seen[0].headers
