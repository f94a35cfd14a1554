"""Memory requests, limits and startup windows against the services as they really run (#16, 4).

Each Python service is started here (`python -m services.<name>`, what the image runs) and
measured once its lifespan is done (/health answers, models loaded): its resident memory,
children included, and how long it took. The rendered chart must request at least that
memory, limit it with room to work (the gateway at rest held 636 MiB under a 512Mi limit:
OOMKilled under load), and give the start a window the liveness probe does not cut short.

What this machine cannot run is measured in its CPU form: asr-api with the bundled tiny.en
(prod loads medium on the GPU, whose weights live in GPU memory).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.conftest import free_port
from tests.platform.call_graph import python_services
from tests.platform.manifests import Manifest, find, pod_spec
from tests.service_process import ServiceProcess, answers_ok, start_service

pytestmark = pytest.mark.integration

KEY = "sk-memory-test-0123456789abcdef"
# Room a limit must leave above the resting footprint (requests, buffers, a batch).
HEADROOM = 1.5
# How much slower than here a start may be on a busy node before liveness may kill it (the
# starts here are already all at once, on 2 shared cores).
START_MARGIN = 3
UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "k": 10**3, "M": 10**6, "G": 10**9}


def quantity(text: str) -> int:
    number, unit = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", str(text)).groups()
    return int(float(number) * UNITS.get(unit, 1))


def _env(name: str, port: int, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    env.update(
        HF_HUB_OFFLINE="1",
        PYTHONPATH=str(Path(__file__).resolve().parents[2]),
        AISTACK_HOME=str(home),
        HAYSTACK_TELEMETRY_ENABLED="False",
        AISTACK_SERVICE_TOKEN="st-memory-test-0123456789abcdef",
        GATEWAY_API_KEYS=KEY,
        MCP_INGEST_ON_START="false",
        ASR_MODEL="bundled",
        # Peers that do not answer: at rest nothing is called.
        ORCHESTRATOR_URL=f"http://127.0.0.1:{free_port()}",
        RAG_URL=f"http://127.0.0.1:{free_port()}",
        LLM_BACKEND="vllm",
        LLM_BASE_URL=f"http://127.0.0.1:{free_port()}/v1",
    )
    port_variable = {
        "gateway": "GATEWAY_PORT",
        "orchestrator": "ORCH_PORT",
        "rag": "RAG_PORT",
        "asr": "ASR_PORT",
        "mcp": "MCP_PORT",
        "tool_registry": "TOOLS_PORT",
    }[name]
    env[port_variable] = str(port)
    return env


def resident_bytes(pid: int) -> int:
    process = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [process, *process.children(recursive=True)])


@pytest.fixture(scope="module")
def at_rest(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[int, float]]]:
    """Package → (resident bytes at rest, seconds until /health), every service side by side."""
    work = tmp_path_factory.mktemp("memory")
    packages = sorted(set(python_services().values()))
    running: dict[str, tuple[ServiceProcess, float]] = {}
    measured: dict[str, tuple[int, float]] = {}
    try:
        for package in packages:
            port = free_port()
            env = _env(package, port, work / package)
            started = time.monotonic()
            service = start_service(package, env, port, work, cwd=work, wait=False)
            running[package] = (service, started)
        # Poll them all: each one's start is when its own /health first answered.
        deadline = time.monotonic() + 300
        while len(measured) < len(running):
            assert time.monotonic() < deadline, f"not started: {set(running) - set(measured)}"
            for package, (service, started) in running.items():
                if package in measured:
                    continue
                code = service.proc.poll()
                assert code is None, f"{package} exited with {code}:\n{service.output()}"
                if answers_ok(f"{service.base_url}/health", timeout_s=0.5):
                    measured[package] = (0, time.monotonic() - started)
            time.sleep(0.1)
        time.sleep(3)  # let the allocators settle after start-up
        for package, (service, _) in running.items():
            measured[package] = (resident_bytes(service.proc.pid), measured[package][1])
        yield measured
    finally:
        for service, _ in running.values():
            service.stop()


def container_of(manifests: list[Manifest], component: str) -> dict:
    (container,) = pod_spec(find(manifests, "Deployment", f"ai-stack-{component}"))["containers"]
    return container


def window_s(container: dict) -> int:
    """How long a start may take before the kubelet restarts the container."""
    probe = container.get("startupProbe") or container["livenessProbe"]
    return probe["periodSeconds"] * probe["failureThreshold"] + probe.get("initialDelaySeconds", 0)


@pytest.mark.parametrize("values_name", ["default", "dev", "prod"])
def test_memory_and_start_fit_what_the_services_need(
    rendered: dict[str, list[Manifest]],
    at_rest: dict[str, tuple[int, float]],
    values_name: str,
) -> None:
    from services.rag.settings import Settings as RagSettings

    manifests = rendered[values_name]
    problems = []
    for component, package in python_services().items():
        if find(manifests, "Deployment", f"ai-stack-{component}") is None:
            continue
        rss, start_s = at_rest[package]
        container = container_of(manifests, component)
        request = quantity(container["resources"]["requests"]["memory"])
        limit = quantity(container["resources"]["limits"]["memory"])
        mib = rss / 2**20
        if rss > request:
            problems.append(f"{component}: {mib:.0f} MiB at rest > request {request / 2**20:g}Mi")
        if rss * HEADROOM > limit:
            problems.append(f"{component}: {mib:.0f} MiB at rest, limit {limit / 2**20:g}Mi")
        needed = START_MARGIN * start_s
        if component == "rag-api":  # it also waits for Qdrant (RAG_QDRANT_WAIT_S)
            needed += RagSettings.model_fields["rag_qdrant_wait_s"].default
        if window_s(container) < needed:
            problems.append(
                f"{component}: started in {start_s:.1f}s, window {window_s(container)}s"
            )
    assert problems == [], f"{values_name}: {problems}"
