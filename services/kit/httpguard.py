"""What uvicorn's httptools protocol lacks against slow and oversized clients.

Under uvicorn alone a client may send a request head of any size (a 20 MB header is read and
handed to the app), and take as long as it likes to send it or the body: its keep-alive
timeout only closes idle connections between requests, so a slowloris client that sends a
byte a second holds a connection, and its buffers, for ever. This protocol adds, per request:

- a cap on the head (request line and headers): over ``max_head_bytes`` the client gets 431
  and the connection is closed;
- a deadline for the head: ``head_timeout_s`` from the connection opening or the request's
  first byte, whichever is earlier, then 408 (silence when nothing was sent) and close;
- a minimum rate for the body, as Apache's ``mod_reqtimeout``: the body may take
  ``body_timeout_s`` plus one second per ``body_min_rate`` bytes received; slower, the
  connection is closed (408 first when nothing was answered yet). Time during which the
  server itself stopped reading (the app not consuming: flow control) is not held against the
  client.

Refusals carry the OpenAI error body, like every other 4xx of the stack. Used by
:func:`services.kit.serve.serve` for every service (``SERVER_*`` settings).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import orjson
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from services.kit.errors import error_body


@dataclass(frozen=True)
class HttpLimits:
    """Limits on one request's head and body (see the module docstring)."""

    max_head_bytes: int = 64 * 1024
    head_timeout_s: float = 10.0
    body_timeout_s: float = 30.0
    body_min_rate: float = 1024.0

    @classmethod
    def from_settings(cls, settings: Any) -> HttpLimits:
        return cls(
            max_head_bytes=settings.server_max_head_bytes,
            head_timeout_s=settings.server_head_timeout_s,
            body_timeout_s=settings.server_body_timeout_s,
            body_min_rate=settings.server_body_min_rate,
        )


def _refusal(status: int, message: str, code: str) -> bytes:
    body = orjson.dumps(error_body(message, "invalid_request_error", code=code))
    head = (
        b"content-type: application/json\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n"
        b"connection: close\r\n\r\n"
    )
    return STATUS_LINE[status] + head + body


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with :class:`HttpLimits` (set by :func:`guarded_protocol`)."""

    limits = HttpLimits()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_pending = True
        self._head_bytes = 0
        self._head_size = 0
        self._head_started = False
        self._refused = False
        self._body_bytes = 0
        self._body_started = 0.0
        self._paused_s = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self._arm(self.limits.head_timeout_s, self._head_overdue)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self._head_pending:
            self._head_bytes += len(data)
        super().data_received(data)
        # A head still arriving (a single huge header is only reported once complete).
        if self._head_pending and self._head_bytes > self.limits.max_head_bytes:
            self._head_too_large()

    def _head_too_large(self) -> None:
        self._refuse(
            431,
            f"the request head (request line and headers) exceeds {self.limits.max_head_bytes}"
            " bytes (SERVER_MAX_HEAD_BYTES); send smaller headers",
            "request_header_fields_too_large",
        )

    # Parser callbacks: where a request's head and body begin and end.
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_pending = True
        self._head_size = 0
        if not self._head_started:
            self._head_started = True
            if self._timer is None:
                self._arm(self.limits.head_timeout_s, self._head_overdue)

    def on_url(self, url: bytes) -> None:
        self._head_size += len(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head_size += len(name) + len(value) + 4
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        if self._head_size > self.limits.max_head_bytes:
            # A whole head that arrived at once: refused before any app sees it.
            self._head_too_large()
            return
        self._head_pending = False
        self._head_bytes = 0
        self._body_bytes = 0
        self._paused_s = 0.0
        self._body_started = time.monotonic()
        self._disarm()
        self._arm(self.limits.body_timeout_s, self._body_check)
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if self._refused:
            return
        self._body_bytes += len(body)
        super().on_body(body)

    def on_message_complete(self) -> None:
        if self._refused:
            return
        self._disarm()
        # The next request on this connection starts its own head (and its own deadline).
        self._head_started = False
        self._head_pending = True
        super().on_message_complete()

    # Timers.
    def _arm(self, delay: float, callback: Any) -> None:
        self._disarm()
        self._timer = self.loop.call_later(delay, callback)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _head_overdue(self) -> None:
        self._timer = None
        if not self._head_pending or self.transport.is_closing():
            return
        if not self._head_started:
            # A connection that never sent a byte: nothing to answer.
            self.transport.close()
            return
        self._refuse(
            408,
            f"the request head did not arrive within {self.limits.head_timeout_s:g} s "
            "(SERVER_HEAD_TIMEOUT_S)",
            "request_timeout",
        )

    def _body_check(self) -> None:
        self._timer = None
        if self.transport.is_closing():
            return
        if self.flow is not None and self.flow.read_paused:
            # The app is not reading: not the client's delay. Look again later.
            self._paused_s += self.limits.body_timeout_s
            self._arm(self.limits.body_timeout_s, self._body_check)
            return
        allowed = (
            self.limits.body_timeout_s
            + self._body_bytes / self.limits.body_min_rate
            + self._paused_s
        )
        elapsed = time.monotonic() - self._body_started
        if elapsed < allowed:
            self._arm(allowed - elapsed, self._body_check)
            return
        self._refuse(
            408,
            f"the request body arrived slower than {self.limits.body_min_rate:g} bytes/s after "
            f"{self.limits.body_timeout_s:g} s (SERVER_BODY_MIN_RATE, SERVER_BODY_TIMEOUT_S)",
            "request_timeout",
        )

    def _refuse(self, status: int, message: str, code: str) -> None:
        self._disarm()
        self._refused = True
        self._head_pending = False
        self.logger.warning("request cut off: %s", message)
        if self.transport.is_closing():
            return
        # An app still waiting for the body is told the client left (connection_lost) and
        # answers no one; one that has started answering is simply cut off.
        if self.cycle is None or not self.cycle.response_started:
            self.transport.write(_refusal(status, message, code))
        self.transport.close()


def guarded_protocol(limits: HttpLimits) -> type[GuardedHttpToolsProtocol]:
    """The protocol class to hand ``uvicorn.Config(http=...)``, bound to ``limits``."""
    return type("GuardedHttpToolsProtocol", (GuardedHttpToolsProtocol,), {"limits": limits})
