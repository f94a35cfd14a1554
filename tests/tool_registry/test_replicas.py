"""Two registry processes behind one address (a Service without affinity): they behave like one.

The tools come from the shared plugins folder (in the cluster a ConfigMap and a volume both
mount), so both list the same tools with the same hashes, answer invocations whichever gets
them, and pick up a dropped file alike; there is no per-process state a client can notice.
"""

from __future__ import annotations

import textwrap
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.roundrobin import RoundRobinProxy
from tests.tool_registry.conftest import KEY, Registry, start_registry, stop_registry

pytestmark = pytest.mark.integration

PLUGIN = '''
import pluggy
hookimpl = pluggy.HookimplMarker("aistack")

def shared_double(x: float) -> float:
    """Twice x."""
    return 2 * x

@hookimpl
def aistack_tools():
    return [shared_double]
'''


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[list[Registry], str]]:
    root = tmp_path_factory.mktemp("replicas")
    shared = root / "plugins"
    shared.mkdir()
    running = [start_registry(root / f"r{i}", PLUGINS_DIR=str(shared)) for i in range(2)]
    try:
        with RoundRobinProxy([r.url for r in running]) as proxy:
            yield running, proxy.url
    finally:
        for registry in running:
            stop_registry(registry)


def _tools(url: str) -> dict[str, str]:
    response = httpx.get(f"{url}/tools", headers={"Authorization": f"Bearer {KEY}"}, timeout=30)
    return {t["function"]["name"]: t["hash"] for t in response.json()["tools"]}


def test_both_replicas_list_the_same_tools_and_answer_alike(
    replicas: tuple[list[Registry], str],
) -> None:
    running, url = replicas
    listings = [_tools(url) for _ in range(4)]  # alternates between the two
    assert all(listing == listings[0] for listing in listings)
    assert listings[0] == _tools(running[0].url) == _tools(running[1].url)
    for _ in range(4):
        answer = httpx.post(
            f"{url}/tools/convert_units/invoke",
            json={"arguments": {"quantity": "3 bar", "to": "kPa"}},
            headers={"Authorization": f"Bearer {KEY}"},
            timeout=30,
        ).json()
        assert answer["content"]["value"] == 300.0 and answer["is_error"] is False


def test_a_dropped_plugin_reaches_both(replicas: tuple[list[Registry], str]) -> None:
    running, url = replicas
    plugins = running[0].plugins
    (plugins / "shared_double.py").write_text(textwrap.dedent(PLUGIN))
    try:
        deadline = time.monotonic() + 10
        while not all("shared_double" in _tools(r.url) for r in running):
            assert time.monotonic() < deadline, "a replica did not pick up the dropped file"
            time.sleep(0.1)
        hashes = {_tools(r.url)["shared_double"] for r in running}
        assert len(hashes) == 1, "the same file has the same hash on every replica"
        for _ in range(2):
            answer = httpx.post(
                f"{url}/tools/shared_double/invoke",
                json={"arguments": {"x": 21}},
                headers={"Authorization": f"Bearer {KEY}"},
                timeout=30,
            ).json()
            assert answer["content"] == 42
    finally:
        (plugins / "shared_double.py").unlink()
