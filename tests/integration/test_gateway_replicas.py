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


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = shutil.which("redis-server")
    assert binary, "redis-server is installed by `make setup` (make system-packages)"
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def gateways(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    workdir = tmp_path_factory.mktemp("replicas")
    dead_orchestrator = free_port()
    with ExitStack() as stack:
        urls = []
        for _ in range(2):
            port = free_port()
            env = dict(os.environ)
            env.update(
                GATEWAY_PORT=str(port),
                GATEWAY_API_KEYS=f"team:{KEY}",
                GATEWAY_DEFAULT_RPM="5",
                REDIS_URL=redis_url,
                ORCHESTRATOR_URL=f"http://127.0.0.1:{dead_orchestrator}",
            )
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
