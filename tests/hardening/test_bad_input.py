"""Bad input at the edges of real service processes on loopback (gateway, rag-api,
tool-registry, mcp, asr-api): over-size and deeply nested JSON, invalid UTF-8 in bodies and
headers, huge headers, slowloris heads and bodies, path traversal in file, tool and resource
names, an SQL-shaped bearer. Each gets a 4xx in the OpenAI error shape (or, for a trickle, the
connection cut after a 408), and after each the service still answers a normal request.

The processes run with small caps and short deadlines (``SERVER_*``: services/kit/httpguard.py)
so that every case is quick; the defaults are the same mechanisms with larger numbers.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.asr.speech import TECHNICAL, speak
from tests.conftest import STACK_VARIABLES, free_port
from tests.handler_server import closed_port_url
from tests.hardening.rawhttp import Answer, request_bytes, send_raw, trickle
from tests.service_process import ServiceProcess, start_service, wait_ready

pytestmark = pytest.mark.integration

KEY = "sk-edges-test-0123456789abcdef"
TOKEN = "svc-edges-token-0123456789abcdef"
SQL_BEARER = "' OR '1'='1"
BODY_CAP = 512 * 1024  # every JSON cap; the nested bodies below stay under it
UPLOAD_CAP = 1024 * 1024
HEAD_TIMEOUT_S = 2.0
BODY_TIMEOUT_S = 2.0
# How long a cut may take beyond its deadline on a loaded 2-core machine.
SLACK_S = 6.0
NESTING = 100_000


@dataclass
class Edge:
    """One running service and what a normal request and a JSON body look like there."""

    name: str
    service: ServiceProcess
    bearer: str
    normal: tuple[str, str]  # method, path answered 200 with the bearer
    json_path: str  # a route that reads a JSON body
    cap_variable: str

    @property
    def url(self) -> str:
        return self.service.base_url

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.bearer}", **extra}

    def still_answers(self) -> None:
        method, path = self.normal
        response = httpx.request(method, self.url + path, headers=self.headers(), timeout=60)
        assert response.status_code == 200, f"{self.name}: {response.status_code} {response.text}"
        assert self.service.proc.poll() is None, f"{self.name} exited:\n{self.service.output()}"


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in STACK_VARIABLES}
    env.update(
        HF_HUB_OFFLINE="1",
        LOG_FORMAT="json",
        AISTACK_HOME=str(home),
        AISTACK_SERVICE_TOKEN=TOKEN,
        GATEWAY_API_KEYS=KEY,
        SERVER_HEAD_TIMEOUT_S=str(HEAD_TIMEOUT_S),
        SERVER_BODY_TIMEOUT_S=str(BODY_TIMEOUT_S),
        SERVER_BODY_MIN_RATE="64",
        RAG_TORCH_THREADS="1",
        TOKENIZERS_PARALLELISM="false",
        **extra,
    )
    return env


@pytest.fixture(scope="module")
def edges(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Edge]]:
    root = tmp_path_factory.mktemp("edges")
    ports = {name: free_port() for name in ("gateway", "rag", "tools", "mcp", "asr", "orch")}
    rag_url = f"http://127.0.0.1:{ports['rag']}"
    (root / "plugins").mkdir()
    specs = {
        "rag": _env(root / "rag", RAG_PORT=str(ports["rag"]),
                    RAG_MAX_REQUEST_BYTES=str(BODY_CAP)),
        "gateway": _env(root / "gateway", GATEWAY_PORT=str(ports["gateway"]),
                        GATEWAY_MAX_BODY_BYTES=str(BODY_CAP), GATEWAY_CONDITIONING="false",
                        ORCHESTRATOR_URL=closed_port_url(), RAG_URL=rag_url,
                        ASR_URL=f"http://127.0.0.1:{ports['asr']}"),
        "tool_registry": _env(root / "tools", TOOLS_PORT=str(ports["tools"]),
                              PLUGINS_DIR=str(root / "plugins"),
                              TOOLS_MAX_BODY_BYTES=str(BODY_CAP)),
        "mcp": _env(root / "mcp", MCP_PORT=str(ports["mcp"]), RAG_URL=rag_url,
                    MCP_INGEST_ON_START="false", MCP_MAX_BODY_BYTES=str(BODY_CAP)),
        "orchestrator": _env(root / "orch", ORCH_PORT=str(ports["orch"]), RAG_URL=rag_url,
                             ORCH_MAX_BODY_BYTES=str(BODY_CAP), LLM_BACKEND="vllm",
                             LLM_BASE_URL=closed_port_url() + "/v1", ORCH_TOOLS="false",
                             ORCH_MCP_DOMAINS=""),
        "asr": _env(root / "asr", ASR_PORT=str(ports["asr"]), ASR_MODEL="bundled",
                    ASR_MAX_UPLOAD_BYTES=str(UPLOAD_CAP), ASR_TMP_DIR=str(root / "asr-tmp"),
                    RAG_URL=rag_url),
    }  # fmt: skip
    port_of = {"rag": "rag", "gateway": "gateway", "tool_registry": "tools", "mcp": "mcp",
               "asr": "asr", "orchestrator": "orch"}  # fmt: skip
    # Started together (the models load in parallel); ready = /health for the two whose
    # /ready needs a peer that is not part of this test (the orchestrator, a corpus).
    services = {
        name: start_service(name, env, ports[port_of[name]], root / "logs", cwd=root, wait=False)
        for name, env in specs.items()
    }
    try:
        for name, service in services.items():
            path = "/health" if name in ("gateway", "mcp", "orchestrator") else "/ready"
            try:
                wait_ready(service.base_url + path, 180, service.proc.poll)
            except RuntimeError as exc:
                pytest.fail(f"{name}: {exc}\n{service.output()[-3000:]}")
        yield {
            "gateway": Edge("gateway", services["gateway"], KEY, ("GET", "/v1/models"),
                            "/v1/chat/completions", "GATEWAY_MAX_BODY_BYTES"),
            "rag-api": Edge("rag-api", services["rag"], TOKEN, ("GET", "/documents"),
                            "/retrieve", "RAG_MAX_REQUEST_BYTES"),
            "tool-registry": Edge("tool-registry", services["tool_registry"], TOKEN,
                                  ("GET", "/tools"), "/tools/convert_units/invoke",
                                  "TOOLS_MAX_BODY_BYTES"),
            "mcp": Edge("mcp", services["mcp"], KEY, ("GET", "/domains"), "/chem/mcp",
                        "MCP_MAX_BODY_BYTES"),
            "orchestrator": Edge("orchestrator", services["orchestrator"], TOKEN,
                                 ("GET", "/openapi.json"), "/v1/chat/completions",
                                 "ORCH_MAX_BODY_BYTES"),
            "asr-api": Edge("asr-api", services["asr"], TOKEN, ("GET", "/openapi.json"),
                            "/v1/audio/transcriptions", "ASR_MAX_UPLOAD_BYTES"),
        }  # fmt: skip
    finally:
        for service in services.values():
            service.stop()


EDGES = ["gateway", "orchestrator", "rag-api", "tool-registry", "mcp", "asr-api"]
JSON_EDGES = ["gateway", "orchestrator", "rag-api", "tool-registry", "mcp"]
MCP_ACCEPT = "application/json, text/event-stream"


def _error(answer: Answer | httpx.Response, status: int | None = None) -> dict[str, object]:
    """The OpenAI error object of a 4xx (the MCP endpoints answer JSON-RPC errors)."""
    code = answer.status if isinstance(answer, Answer) else answer.status_code
    body = answer.json()
    assert code is not None and 400 <= code < 500, (code, body)
    if status is not None:
        assert code == status, (code, body)
    error = body["error"]
    if "type" in error:
        assert set(error) >= {"message", "type", "param", "code"}, error
    else:
        assert isinstance(error["code"], int) and error["message"], error  # JSON-RPC
    return dict(error)


def _json_headers(edge: Edge) -> dict[str, str]:
    extra = {"Accept": MCP_ACCEPT} if edge.name == "mcp" else {}
    return edge.headers(**{"Content-Type": "application/json", **extra})


# Over-size and nested bodies.


@pytest.mark.parametrize("name", EDGES)
def test_over_size_body_is_413_naming_the_variable(edges: dict[str, Edge], name: str) -> None:
    edge = edges[name]
    if name == "asr-api":
        # Its cap is on the upload (plus room for the form); the length alone refuses it.
        body = b"x" * (UPLOAD_CAP + 128 * 1024)
        headers = edge.headers(**{"Content-Type": "multipart/form-data; boundary=b"})
    else:
        body = b'{"pad": "' + b"x" * BODY_CAP + b'"}'
        headers = _json_headers(edge)
    response = httpx.post(edge.url + edge.json_path, content=body, headers=headers, timeout=60)
    error = _error(response, 413)
    assert edge.cap_variable in str(error["message"]), error
    edge.still_answers()


@pytest.mark.parametrize("name", JSON_EDGES)
def test_over_size_chunked_body_is_413(edges: dict[str, Edge], name: str) -> None:
    # No Content-Length: counted as it arrives.
    edge = edges[name]

    def chunks() -> Iterator[bytes]:
        yield b'{"pad": "'
        for _ in range(BODY_CAP // 65536 + 2):
            yield b"x" * 65536
        yield b'"}'

    try:
        response = httpx.post(
            edge.url + edge.json_path, content=chunks(), headers=_json_headers(edge), timeout=60
        )
    except httpx.TransportError:
        pass  # refused and closed while the rest was still being sent: also a refusal
    else:
        assert edge.cap_variable in str(_error(response, 413)["message"])
    edge.still_answers()


@pytest.mark.parametrize("shape", ["arrays", "objects"])
@pytest.mark.parametrize("name", EDGES)
def test_deeply_nested_json_is_4xx(edges: dict[str, Edge], name: str, shape: str) -> None:
    edge = edges[name]
    if shape == "arrays":
        body = b"[" * NESTING + b"]" * NESTING
    else:
        body = b'{"a":' * (NESTING // 2) + b"1" + b"}" * (NESTING // 2)
    assert len(body) < BODY_CAP
    response = httpx.post(
        edge.url + edge.json_path, content=body, headers=_json_headers(edge), timeout=60
    )
    _error(response)
    edge.still_answers()


# Invalid UTF-8.

INVALID_UTF8 = b"\xff\xfe\xc3\x28 \xed\xa0\x80"


@pytest.mark.parametrize("name", EDGES)
def test_invalid_utf8_body_is_4xx(edges: dict[str, Edge], name: str) -> None:
    edge = edges[name]
    if name == "asr-api":
        body = (
            b'--b\r\nContent-Disposition: form-data; name="response_format"\r\n\r\n'
            + INVALID_UTF8
            + b'\r\n--b\r\nContent-Disposition: form-data; name="file"; filename="'
            + INVALID_UTF8
            + b'"\r\nContent-Type: audio/wav\r\n\r\n'
            + INVALID_UTF8
            + b"\r\n--b--\r\n"
        )
        headers = edge.headers(**{"Content-Type": "multipart/form-data; boundary=b"})
    else:
        body = b'{"model": "ai-stack", "query": "' + INVALID_UTF8 + b'", "messages": []}'
        headers = _json_headers(edge)
    response = httpx.post(edge.url + edge.json_path, content=body, headers=headers, timeout=60)
    _error(response)
    edge.still_answers()


@pytest.mark.parametrize("name", EDGES)
def test_invalid_utf8_in_headers(edges: dict[str, Edge], name: str) -> None:
    edge = edges[name]
    method, path = edge.normal
    # As the bearer: refused like any unknown key.
    bad = {"Authorization": b"Bearer " + INVALID_UTF8}
    answer = send_raw(edge.url, request_bytes(method, path, bad))
    _error(answer, 401)
    # In some other header, beside a good bearer: read as bytes, the request is answered.
    headers = {"Authorization": f"Bearer {edge.bearer}", "X-Note": INVALID_UTF8}
    answer = send_raw(edge.url, request_bytes(method, path, headers))
    assert answer.status == 200, answer
    edge.still_answers()


# Huge headers and slow clients.


@pytest.mark.parametrize("size", [100 * 1024, 8 * 1024 * 1024])
@pytest.mark.parametrize("name", EDGES)
def test_huge_header_is_431_or_cut(edges: dict[str, Edge], name: str, size: int) -> None:
    edge = edges[name]
    method, path = edge.normal
    headers = {"Authorization": f"Bearer {edge.bearer}", "X-Big": b"a" * size}
    answer = send_raw(edge.url, request_bytes(method, path, headers))
    if answer.status is not None:
        assert _error(answer, 431)["code"] == "request_header_fields_too_large"
    else:
        assert answer.closed, answer
    edge.still_answers()


@pytest.mark.parametrize("name", EDGES)
def test_slowloris_head_is_cut(edges: dict[str, Edge], name: str) -> None:
    """A head sent a byte a second: 408 and closed at SERVER_HEAD_TIMEOUT_S."""
    edge = edges[name]
    start = f"GET {edge.normal[1]} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".encode()
    answer = trickle(edge.url, start, limit_s=HEAD_TIMEOUT_S + SLACK_S + 10)
    assert answer.closed, f"{name}: still open after {answer.elapsed_s:.1f} s"
    assert answer.elapsed_s < HEAD_TIMEOUT_S + SLACK_S, answer
    assert _error(answer, 408)["code"] == "request_timeout"
    edge.still_answers()


@pytest.mark.parametrize("name", EDGES)
def test_silent_connection_is_closed(edges: dict[str, Edge], name: str) -> None:
    edge = edges[name]
    answer = trickle(edge.url, b"", drip=b"", limit_s=HEAD_TIMEOUT_S + SLACK_S + 10)
    assert answer.closed and answer.elapsed_s < HEAD_TIMEOUT_S + SLACK_S, answer
    edge.still_answers()


@pytest.mark.parametrize("name", EDGES)
def test_slow_body_is_cut(edges: dict[str, Edge], name: str) -> None:
    """A body sent a byte a second (64 B/s is the minimum here): 408 and closed."""
    edge = edges[name]
    kind, first = {}, "{"
    if name == "asr-api":
        # A form whose file part then trickles in.
        kind = {"Content-Type": "multipart/form-data; boundary=b"}
        first = '--b\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n\r\n'
    headers = [f"{k}: {v}" for k, v in {**_json_headers(edge), **kind}.items()]
    start = (
        f"POST {edge.json_path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "".join(h + "\r\n" for h in headers)
        + "Content-Length: 4000\r\n\r\n"
        + first
    ).encode()
    answer = trickle(edge.url, start, drip=b" ", limit_s=BODY_TIMEOUT_S + SLACK_S + 10)
    assert answer.closed, f"{name}: still open after {answer.elapsed_s:.1f} s"
    assert answer.elapsed_s < BODY_TIMEOUT_S + SLACK_S, answer
    if answer.status is not None:
        assert _error(answer, 408)["code"] == "request_timeout"
    edge.still_answers()


def test_many_slow_clients_at_once_do_not_stop_the_service(edges: dict[str, Edge]) -> None:
    edge = edges["gateway"]
    start = b"GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
    results: list[Answer] = []

    def slow() -> None:
        results.append(trickle(edge.url, start, limit_s=HEAD_TIMEOUT_S + SLACK_S + 10))

    threads = [threading.Thread(target=slow) for _ in range(50)]
    for thread in threads:
        thread.start()
    edge.still_answers()  # while fifty trickle
    for thread in threads:
        thread.join()
    assert len(results) == 50 and all(r.closed for r in results)
    edge.still_answers()


# Names that try to leave their folder, and an SQL-shaped key.

TRAVERSALS = ["../../etc/passwd", "..\\..\\windows\\win.ini", "docs/../../../etc/passwd.md"]


@pytest.mark.parametrize("filename", TRAVERSALS)
def test_rag_ingest_refuses_path_like_names(edges: dict[str, Edge], filename: str) -> None:
    edge = edges["rag-api"]
    as_json = {"documents": [{"source": filename, "text": "Yield strength 250 MPa."}]}
    response = httpx.post(edge.url + "/ingest", json=as_json, headers=edge.headers(), timeout=60)
    assert _error(response, 400)["code"] == "invalid_file_name"
    files = {"files": (filename + ".txt", b"Yield strength 250 MPa.", "text/plain")}
    response = httpx.post(edge.url + "/ingest", files=files, headers=edge.headers(), timeout=60)
    assert _error(response, 400)["code"] == "invalid_file_name"
    listed = httpx.get(edge.url + "/documents", headers=edge.headers(), timeout=60).json()
    assert not any(".." in str(d["source"]) for d in listed["data"]), listed
    edge.still_answers()


@pytest.mark.parametrize(
    "path",
    [
        b"/tools/..%2F..%2Fetc%2Fpasswd",
        b"/tools/../../etc/passwd",
        b"/tools/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        b"/tools/..%2F..%2Fetc%2Fpasswd/invoke",
    ],
)
def test_tool_names_that_climb_are_404(edges: dict[str, Edge], path: bytes) -> None:
    edge = edges["tool-registry"]
    method = "POST" if path.endswith(b"/invoke") else "GET"
    headers = {"Authorization": f"Bearer {edge.bearer}", "Content-Type": "application/json"}
    answer = send_raw(edge.url, request_bytes(method, path, headers, b"{}"))
    _error(answer, 404)
    assert b"root:" not in answer.body
    edge.still_answers()


@pytest.mark.parametrize(
    "uri",
    [
        "corpus://chem/../../../../etc/passwd",
        "corpus://chem/..%2F..%2Fetc%2Fpasswd",
        "file:///etc/passwd",
        "constraints://../../etc/passwd",
    ],
)
def test_mcp_resource_uris_that_climb_are_refused(edges: dict[str, Edge], uri: str) -> None:
    edge = edges["mcp"]
    body = {"jsonrpc": "2.0", "id": 1, "method": "resources/read", "params": {"uri": uri}}
    response = httpx.post(
        edge.url + "/chem/mcp", json=body, headers=edge.headers(Accept=MCP_ACCEPT), timeout=60
    )
    # MCP answers an unknown resource with a JSON-RPC error (invalid params) in a 200.
    assert response.status_code == 200, response.text
    assert response.json()["error"]["code"] == -32602, response.text
    assert "root:" not in response.text
    edge.still_answers()


def test_asr_ingest_refuses_a_path_like_file_name(edges: dict[str, Edge], tmp_path: Path) -> None:
    edge = edges["asr-api"]
    wav = speak(TECHNICAL[4], tmp_path / "speech.wav").read_bytes()
    files = {"file": ("../../etc/passwd", wav, "audio/wav")}
    response = httpx.post(
        edge.url + "/ingest", files=files, data={"model": "whisper-1"}, headers=edge.headers(),
        timeout=120,
    )  # fmt: skip
    assert _error(response, 400)["code"] == "invalid_file_name"
    # Transcribing reads the upload from a fixed name in a temporary folder: the client's
    # name plays no part.
    response = httpx.post(
        edge.url + "/v1/audio/transcriptions", files=files, data={"model": "whisper-1"},
        headers=edge.headers(), timeout=120,
    )  # fmt: skip
    assert response.status_code == 200, response.text
    assert "bar" in response.json()["text"].lower()
    edge.still_answers()


@pytest.mark.parametrize("name", EDGES)
def test_sql_shaped_bearer_is_401(edges: dict[str, Edge], name: str) -> None:
    edge = edges[name]
    method, path = edge.normal
    for bearer in (SQL_BEARER, f"{edge.bearer}' OR '1'='1", "' OR 1=1 --"):
        response = httpx.request(
            method, edge.url + path, headers={"Authorization": f"Bearer {bearer}"}, timeout=60
        )
        _error(response, 401)
    if name == "mcp":
        response = httpx.post(
            edge.url + "/chem/mcp",
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
            headers={"Authorization": f"Bearer {SQL_BEARER}", "Accept": MCP_ACCEPT},
            timeout=60,
        )
        _error(response, 401)
    edge.still_answers()
