"""The kit's peer layer: every call between services, against real loopback peers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest

from services.kit.errors import (
    ServiceError,
    UpstreamError,
    UpstreamTimeoutError,
    UpstreamUnavailableError,
)
from services.kit.peer import (
    PeerClient,
    PeerRejectedError,
    PeerResponse,
    PeerStatusError,
    PeerStream,
    raise_for_peer_status,
)
from services.kit.settings import StackSettings
from services.kit.tracing import build_tracer_provider
from tests.handler_server import closed_port_url, serve_handler

pytestmark = pytest.mark.unit

PEER = "rag-api at http://x"


def openai_error(message: str, code: str | None = None, kind: str = "invalid_request_error"):
    return json.dumps({"error": {"message": message, "type": kind, "param": None, "code": code}})


@pytest.mark.parametrize(
    ("status", "body", "error", "fragment"),
    [
        (400, openai_error("context too long", "ctx"), PeerRejectedError, "rejected the request"),
        (422, '{"detail": "field x is required"}', PeerRejectedError, "field x is required"),
        (404, "no such route", PeerRejectedError, "no such route"),
        (401, openai_error("bad key"), UpstreamError, "answered 401: bad key"),
        (429, openai_error("slow down"), UpstreamError, "answered 429"),
        (500, "<html>Internal Server Error</html>", UpstreamError, "answered 500: <html>"),
        (502, "", UpstreamError, "answered 502: HTTP 502"),
        (503, openai_error("store closed"), UpstreamUnavailableError, "unavailable: store closed"),
        (504, "gateway timeout", UpstreamTimeoutError, "timed out"),
    ],
)
def test_error_answers_map_onto_the_error_tree(status, body, error, fragment) -> None:
    with pytest.raises(error, match=fragment) as info:
        raise_for_peer_status(PEER, status, body.encode(), {})
    assert PEER in info.value.message
    if error is PeerRejectedError:
        assert info.value.status_code == status, "the caller's request was at fault: same status"
    if status == 400:
        assert info.value.code == "ctx"


def test_a_503_carries_the_peers_retry_after_or_a_default() -> None:
    with pytest.raises(UpstreamUnavailableError) as info:
        raise_for_peer_status(PEER, 503, b"busy", {"retry-after": "7"})
    assert info.value.headers["retry-after"] == "7"
    with pytest.raises(UpstreamUnavailableError) as info:
        raise_for_peer_status(PEER, 503, b"busy", {})
    assert info.value.headers["retry-after"].isdigit()


def test_relay_passes_one_of_our_services_errors_on_unchanged() -> None:
    body = openai_error("the model 'x' does not exist", "model_not_found")
    with pytest.raises(PeerStatusError) as info:
        raise_for_peer_status(PEER, 404, body.encode(), {}, relay=True)
    err = info.value
    assert (err.status_code, err.error_type, err.code) == (
        404,
        "invalid_request_error",
        "model_not_found",
    )
    assert err.body() == json.loads(body)
    # Without an error body there is nothing to relay: the usual mapping applies.
    with pytest.raises(UpstreamError):
        raise_for_peer_status(PEER, 500, b"oops", {}, relay=True)


def test_success_is_quiet_and_json_is_checked() -> None:
    ok = PeerResponse(PEER, 200, b'{"a": 1}', {})
    assert ok.raise_for_status() is ok and ok.json() == {"a": 1}
    with pytest.raises(UpstreamError, match="not JSON"):
        PeerResponse(PEER, 200, b"<html>", {}).json()


@pytest.fixture
async def peers() -> AsyncIterator[list[PeerClient]]:
    made: list[PeerClient] = []
    yield made
    for client in made:
        await client.aclose()


async def test_requests_carry_json_headers_and_trace_context(peers: list[PeerClient]) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"echo": json.loads(request.content)})

    tracer = build_tracer_provider("test", None).get_tracer("test")
    with serve_handler(handler) as url, tracer.start_as_current_span("caller") as caller:
        peers.append(PeerClient(StackSettings(), url, name="rag-api", headers={"x-k": "v"}))
        response = await peers[-1].post("/retrieve", json={"query": "bolt"})
    assert response.json() == {"echo": {"query": "bolt"}}
    assert response.peer == f"rag-api at {url}"
    request = seen[0]
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-k"] == "v"
    trace_id = format(caller.get_span_context().trace_id, "032x")
    assert request.headers["traceparent"].split("-")[1] == trace_id
    assert "accept-encoding" not in request.headers


async def test_a_body_can_stream_from_an_async_iterator(peers: list[PeerClient]) -> None:
    received: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        received.append(request.content)
        return httpx.Response(200, json={"bytes": len(request.content)})

    async def parts() -> AsyncIterator[bytes]:
        for piece in (b"part-1;", b"part-2;", b"part-3"):
            await asyncio.sleep(0)
            yield piece

    with serve_handler(handler) as url:
        peers.append(PeerClient(StackSettings(), url, name="asr-api"))
        response = await peers[-1].post("/upload", body=parts())
    assert received == [b"part-1;part-2;part-3"] and response.json() == {"bytes": 20}


async def test_streams_are_kit_types_and_error_answers_raise_before_reading(
    peers: list[PeerClient],
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/bad":
            return httpx.Response(400, content=openai_error("no"))
        return httpx.Response(200, content=b"line one\nline two\n")

    with serve_handler(handler) as url:
        peers.append(PeerClient(StackSettings(), url, name="the LLM runner"))
        async with await peers[-1].open("GET", "/ok") as stream:
            assert isinstance(stream, PeerStream)
            assert [line async for line in stream.lines()] == [b"line one", b"line two"]
        stream = await peers[-1].open("GET", "/bad")
        with pytest.raises(
            PeerRejectedError, match=r"the LLM runner at .* rejected the request: no"
        ):
            await stream.raise_for_status()


async def test_transport_failures_name_the_peer(peers: list[PeerClient]) -> None:
    async def never(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(2)
        return httpx.Response(200)

    peers.append(PeerClient(StackSettings(), closed_port_url(), name="the tool registry"))
    with pytest.raises(
        UpstreamUnavailableError, match=r"the tool registry at .* is unreachable"
    ) as e:
        await peers[-1].get("/tools")
    assert e.value.headers["retry-after"]
    with serve_handler(never) as url:
        peers.append(PeerClient(StackSettings(), url, name="mcp", read_timeout_s=0.2))
        with pytest.raises(UpstreamTimeoutError, match=r"mcp at .* did not answer in time"):
            await peers[-1].get("/slow")
        # A per-call read timeout overrides the client's.
        peers.append(PeerClient(StackSettings(), url, name="mcp"))
        with pytest.raises(UpstreamTimeoutError):
            await peers[-1].get("/slow", read_timeout_s=0.2)
    assert all(issubclass(e, ServiceError) for e in (PeerRejectedError, PeerStatusError))
