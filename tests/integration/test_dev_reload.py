"""Dev pods (the chart's devReload) start through the production entry point and reload.

The pod runs the image's own `python -m services.<name>` with DEV_RELOAD=true; skaffold syncs
edited .py files into /app/services. Here: the image's /app tree (the kit and one service,
copied as docker/Dockerfile copies them), an edit to one of its files, and the log, which must
stay the kit's JSON at the configured level across the restart (LOG_LEVEL / LOG_FORMAT did
nothing when the chart ran uvicorn directly).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port
from tests.service_process import REPO, running_service

pytestmark = pytest.mark.integration


def _image_app(root: Path, service: str) -> Path:
    app = root / "app"
    (app / "services").mkdir(parents=True)
    shutil.copy2(REPO / "services" / "__init__.py", app / "services" / "__init__.py")
    for package in ("kit", service):
        shutil.copytree(
            REPO / "services" / package,
            app / "services" / package,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    return app


def _records(text: str) -> list[dict]:
    """Every line of the output as JSON (a line that is not JSON fails the test)."""
    records = []
    for line in text.splitlines():
        if line.strip():
            records.append(json.loads(line))
    return records


def _wait_for(predicate, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


def _started(text: str) -> list[dict]:
    return [r for r in _records(text) if r["event"].startswith("Started server process")]


def test_dev_reload_restarts_through_serve_with_the_kits_logging(tmp_path: Path) -> None:
    app = _image_app(tmp_path, "orchestrator")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    env.update(
        DEV_RELOAD="true",
        LOG_FORMAT="json",
        LOG_LEVEL="info",
        ORCH_PORT=str(port),
        HF_HUB_OFFLINE="1",
        PYTHONDONTWRITEBYTECODE="1",
    )
    argv = [sys.executable, "-m", "services.orchestrator"]
    with running_service(
        "orchestrator", env, port, tmp_path / "logs", argv=argv, cwd=app, ready_path="/health"
    ) as service:
        assert service.proc.returncode is None, service.output()
        _wait_for(lambda: len(_started(service.output())) == 1)
        main = app / "services" / "orchestrator" / "main.py"
        main.write_text(main.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
        # A new child process (a fresh interpreter: the edit is imported), answering again.
        _wait_for(lambda: len(_started(service.output())) == 2)
        _wait_for(lambda: answers(f"{service.base_url}/health"))
        records = _records(service.output())
    first, second = (r["event"] for r in _started(service.output()))
    assert first != second, "two child processes, two pids"
    assert all(r["service"] == "orchestrator" for r in records)
    (reload,) = [r for r in records if "Reloading" in r["event"]]
    assert reload["level"] == "warning" and "services/orchestrator/main.py" in reload["event"]
    # LOG_LEVEL holds in the supervisor and in each child: watchfiles' debug lines are hidden.
    assert "debug" not in {r["level"] for r in records}


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.HTTPError:
        return False
