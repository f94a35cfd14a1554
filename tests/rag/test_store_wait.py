"""rag-api waits for a Qdrant server that is not up yet, with backoff and a bound (issue #16).

In the cluster Qdrant may start after rag-api; crash-looping until it answers made the first
install's `helm --wait` slower and noisier. The real qdrant-client and the real open_store
are used; the server is a loopback stand-in for the Qdrant REST calls a fresh collection
needs, which starts listening only after a while.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import qdrant_client  # noqa: F401 - its first import takes seconds; that is not what is timed

from services.rag.engine import open_store
from services.rag.errors import StoreUnavailableError
from services.rag.store.server import ServerChunkStore
from tests.conftest import free_port
from tests.rag.conftest import make_settings

pytestmark = [
    pytest.mark.unit,
    # qdrant-client's version check (a side thread) finds no server yet: what is tested here.
    pytest.mark.filterwarnings("ignore:Failed to obtain server version:UserWarning"),
]


class _Qdrant(BaseHTTPRequestHandler):
    """Just enough of Qdrant's REST API to create an empty collection."""

    seen: list[str] = []

    def _answer(self, result: object) -> None:
        body = json.dumps({"result": result, "status": "ok", "time": 0.0}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.seen.append(f"GET {self.path}")
        if self.path == "/":
            body = {"title": "qdrant - vector search engine", "version": "1.15.5"}
            raw = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("content-length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)
        else:
            self._answer({"exists": False})

    def do_PUT(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.seen.append(f"PUT {self.path}")
        indexed = "/index" in self.path
        self._answer({"operation_id": 1, "status": "completed"} if indexed else True)

    def log_message(self, *_: object) -> None:
        pass


@contextmanager
def qdrant_after(delay_s: float, port: int) -> Iterator[list[str]]:
    """A stand-in Qdrant that starts listening on ``port`` after ``delay_s``."""
    seen: list[str] = []
    handler = type("Handler", (_Qdrant,), {"seen": seen})
    servers: list[ThreadingHTTPServer] = []

    def start() -> None:
        time.sleep(delay_s)
        server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        servers.append(server)
        server.serve_forever()

    thread = threading.Thread(target=start, daemon=True)
    thread.start()
    try:
        yield seen
    finally:
        deadline = time.monotonic() + 5
        while not servers and time.monotonic() < deadline:
            time.sleep(0.05)
        for server in servers:
            server.shutdown()
            server.server_close()


def test_a_closed_port_is_retried_then_named(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    settings = make_settings(tmp_path, qdrant_url=url, rag_qdrant_wait_s=3)
    started = time.monotonic()
    with pytest.raises(StoreUnavailableError) as failure:
        open_store(settings, 384)
    took = time.monotonic() - started
    assert 3 <= took < 8, took  # bounded: the wait, plus the last attempt
    message = str(failure.value)
    assert url in message and "QDRANT_URL" in message
    # Retried (each attempt takes ~0.8 s here, the pauses 0.5 s then 1 s), not hammered.
    attempts = int(message.split(" after ")[1].split()[0])
    assert 2 <= attempts <= 6, message


def test_a_server_that_comes_up_late_is_waited_for(tmp_path: Path) -> None:
    port = free_port()
    settings = make_settings(tmp_path, qdrant_url=f"http://127.0.0.1:{port}", rag_qdrant_wait_s=30)
    with qdrant_after(2.0, port) as seen:
        started = time.monotonic()
        store = open_store(settings, 384)
        took = time.monotonic() - started
    assert isinstance(store, ServerChunkStore)
    assert 2.0 <= took < 10, took
    assert "PUT /collections/aistack_chunks" in seen  # created once the server answered
