"""Two gateway processes sharing one Redis draw on one rate-limit budget."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack

import httpx
import pytest

from tests.conftest import free_port
from tests.service_process import running_service

pytestmark = pytest.mark.integration

KEY = "sk-replica-test-key-0123456789"


def start_redis(port: int, workdir, password: str | None = None) -> subprocess.Popen[bytes]:
    """A real redis-server on loopback, answering PING before this returns."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is installed by `make setup` (make system-packages)"
    auth = ["--requirepass", password] if password else []
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir), *auth],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )  # fmt: skip
    hello = f"AUTH {password}\r\nPING\r\n".encode() if password else b"PING\r\n"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(hello)
                time.sleep(0.05)
                if b"+PONG" in s.recv(64):
                    return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("redis-server did not answer PING")


def gateway_env(port: int, redis_url: str, **extra: str) -> dict[str, str]:
    """A gateway on ``port`` counting budgets in ``redis_url``; its orchestrator is absent, so
    a request that passes the budget is a 503 naming the orchestrator."""
    env = dict(os.environ)
    env.update(
        GATEWAY_PORT=str(port),
        GATEWAY_API_KEYS=f"team:{KEY}",
        REDIS_URL=redis_url,
        ORCHESTRATOR_URL=f"http://127.0.0.1:{free_port()}",
        **extra,
    )
    return env


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    proc = start_redis(port, tmp_path_factory.mktemp("redis"))
    try:
        yield f"redis://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def gateways(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    workdir = tmp_path_factory.mktemp("replicas")
    with ExitStack() as stack:
        urls = []
        for _ in range(2):
            port = free_port()
            env = gateway_env(port, redis_url, GATEWAY_DEFAULT_RPM="5")
            gateway = stack.enter_context(
                running_service("gateway", env, port, workdir, cwd=workdir, ready_path="/health")
            )
            urls.append(gateway.base_url)
        yield urls


def test_replicas_share_one_budget(gateways: list[str]) -> None:
    body = {"model": "ai-stack", "messages": [{"role": "user", "content": "hi"}]}
    headers = {"Authorization": f"Bearer {KEY}"}
    statuses = []
    for i in range(7):
        url = gateways[i % 2]
        statuses.append(
            httpx.post(
                f"{url}/v1/chat/completions", json=body, headers=headers, timeout=10
            ).status_code
        )
    # Five requests pass the budget (the orchestrator is absent here, hence 503), across both
    # replicas together; then both refuse.
    assert statuses[:5] == [503] * 5
    assert statuses[5:] == [429, 429]
    ready = httpx.get(f"{gateways[0]}/ready").json()
    assert ready["checks"]["redis"] == "ok"


def test_a_dead_redis_is_a_clear_503_and_the_gateway_recovers_by_itself(tmp_path) -> None:
    """kill -9 the shared budget store: budgets cannot be checked, so requests are refused
    with 503 and retry-after (not waved through, not a 500); once Redis is back, they pass."""
    redis_port, port = free_port(), free_port()
    redis = start_redis(redis_port, tmp_path)
    env = gateway_env(port, f"redis://127.0.0.1:{redis_port}")
    body = {"model": "ai-stack", "messages": [{"role": "user", "content": "hi"}]}
    headers = {"Authorization": f"Bearer {KEY}"}
    try:
        with running_service(
            "gateway", env, port, tmp_path, cwd=tmp_path, ready_path="/health"
        ) as gw:
            url = f"{gw.base_url}/v1/chat/completions"

            def message() -> tuple[int, str, dict]:
                r = httpx.post(url, json=body, headers=headers, timeout=20)
                return r.status_code, r.json()["error"]["message"], dict(r.headers)

            status, text, _ = message()
            assert status == 503 and "orchestrator" in text  # the budget passed
            redis.kill()
            redis.wait(timeout=10)
            started = time.monotonic()
            status, text, got = message()
            assert status == 503 and "rate-limit storage" in text and "Redis at" in text
            assert got["retry-after"] == "5" and time.monotonic() - started < 10
            assert httpx.get(f"{gw.base_url}/ready").status_code == 503
            redis = start_redis(redis_port, tmp_path)
            status, text, _ = message()
            assert status == 503 and "orchestrator" in text, "recovered without a restart"
    finally:
        redis.kill()
        redis.wait(timeout=10)


def test_a_password_in_the_redis_url_is_used_and_never_shown(tmp_path) -> None:
    """The chart passes a URL with credentials from a Secret: Redis accepts it (budgets are
    counted there), and neither the log, /ready nor the 503 of a dead Redis shows it."""
    password = "redis-pass-0123456789abcdef"
    redis_port, port = free_port(), free_port()
    redis = start_redis(redis_port, tmp_path, password)
    env = gateway_env(
        port,
        f"redis://:{password}@127.0.0.1:{redis_port}/0",
        GATEWAY_DEFAULT_RPM="2",
        LOG_LEVEL="debug",
    )
    body = {"model": "ai-stack", "messages": [{"role": "user", "content": "hi"}]}
    headers = {"Authorization": f"Bearer {KEY}"}
    try:
        with running_service(
            "gateway", env, port, tmp_path, cwd=tmp_path, ready_path="/health"
        ) as gw:
            url = f"{gw.base_url}/v1/chat/completions"
            codes = [httpx.post(url, json=body, headers=headers, timeout=20) for _ in range(3)]
            assert [r.status_code for r in codes] == [503, 503, 429]
            ready = httpx.get(f"{gw.base_url}/ready")
            assert ready.json()["checks"]["redis"] == "ok"
            # The counters are in Redis (under the password), not in the process.
            with socket.create_connection(("127.0.0.1", redis_port), timeout=5) as s:
                s.sendall(f"AUTH {password}\r\nDBSIZE\r\n".encode())
                time.sleep(0.1)
                reply = s.recv(64)
            assert reply.startswith(b"+OK\r\n:") and not reply.endswith(b":0\r\n"), reply
            redis.kill()
            redis.wait(timeout=10)
            dead = httpx.post(url, json=body, headers=headers, timeout=20)
            assert dead.status_code == 503 and "Redis at 127.0.0.1" in dead.text
            shown = [r.text for r in codes] + [ready.text, dead.text, gw.output()]
            assert all(password not in text for text in shown)
    finally:
        redis.kill()
        redis.wait(timeout=10)
