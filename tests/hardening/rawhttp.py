"""HTTP/1.1 over a plain socket, byte for byte: what an attacker sends is not what a client
library would let through (dot segments kept, raw bytes in headers, a trickle)."""

from __future__ import annotations

import json
import select
import socket
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Answer:
    status: int | None
    body: bytes
    # The server closed or reset the connection (with or without answering first).
    closed: bool
    elapsed_s: float = 0.0

    def json(self) -> Any:
        return json.loads(self.body)


def _address(base_url: str) -> tuple[str, int]:
    parts = urlsplit(base_url)
    return parts.hostname or "127.0.0.1", parts.port or 80


def _parse(data: bytes, closed: bool, elapsed: float) -> Answer:
    head, _, body = data.partition(b"\r\n\r\n")
    status = None
    if head.startswith(b"HTTP/1."):
        status = int(head.split(b" ", 2)[1])
    return Answer(status, body, closed, elapsed)


def _read_all(sock: socket.socket, deadline: float) -> tuple[bytes, bool]:
    data = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([sock], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            return data, False
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            return data, True
        if not chunk:
            return data, True
        data += chunk
    return data, False


def send_raw(base_url: str, request: bytes, timeout_s: float = 30) -> Answer:
    """Send ``request`` (sent with ``Connection: close``) and read until the server closes."""
    started = time.monotonic()
    with socket.create_connection(_address(base_url), timeout=timeout_s) as sock:
        try:
            sock.sendall(request)
        except (ConnectionResetError, BrokenPipeError):
            # Cut off while sending (an over-size head): what it answered, if anything.
            pass
        data, closed = _read_all(sock, started + timeout_s)
    return _parse(data, closed, time.monotonic() - started)


def request_bytes(
    method: str, path: bytes | str, headers: dict[str, bytes | str], body: bytes = b""
) -> bytes:
    """A request with ``Host``, ``Connection: close`` and ``Content-Length`` added."""
    target = path.encode() if isinstance(path, str) else path
    lines = [method.encode() + b" " + target + b" HTTP/1.1", b"Host: 127.0.0.1"]
    for name, value in headers.items():
        lines.append(name.encode() + b": " + (value.encode() if isinstance(value, str) else value))
    lines += [b"Connection: close", b"Content-Length: " + str(len(body)).encode()]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def trickle(
    base_url: str, start: bytes, drip: bytes = b"a", every_s: float = 1.0, limit_s: float = 30
) -> Answer:
    """Send ``start``, then one byte of ``drip`` every ``every_s`` until the server answers or
    closes (or ``limit_s`` passes: ``closed`` False, status None)."""
    started = time.monotonic()
    with socket.create_connection(_address(base_url), timeout=limit_s) as sock:
        if start:
            sock.sendall(start)
        data = b""
        while time.monotonic() - started < limit_s:
            ready, _, _ = select.select([sock], [], [], every_s)
            if ready:
                rest, _ = _read_all(sock, time.monotonic() + 2)
                return _parse(data + rest, True, time.monotonic() - started)
            try:
                sock.sendall(drip)
            except (ConnectionResetError, BrokenPipeError):
                return _parse(data, True, time.monotonic() - started)
        return Answer(None, data, False, time.monotonic() - started)
