"""``aistack transcribe``: audio/video → transcript (asr-api), optionally into the knowledge base.

The request is one HTTP call; the bar advances on an estimate (the audio's duration, from
ffprobe, times a typical real-time factor) and completes when the answer arrives.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

# Seconds of work per second of audio on a 2-core CPU with the bundled tiny.en (measured 0.07).
ESTIMATED_RTF = 0.1


def media_duration(path: Path) -> float | None:
    """Seconds of media, or None when ffprobe is missing or cannot read the file."""
    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:
        return None
    try:
        out = subprocess.run(  # noqa: S603 - argv list, no shell
            [ffprobe, "-v", "error", "-show_entries", "format=duration", "-of", "json", str(path)],
            capture_output=True, text=True, timeout=30, check=True,
        ).stdout  # fmt: skip
        return float(json.loads(out)["format"]["duration"])
    except (subprocess.SubprocessError, KeyError, ValueError):
        return None


def _post(
    url: str,
    path: Path,
    data: dict[str, str],
    timeout_s: float,
    result: dict[str, Any],
    headers: dict[str, str],
) -> None:
    try:
        with path.open("rb") as handle:
            response = httpx.post(
                url, files={"file": (path.name, handle)}, data=data, headers=headers,
                timeout=httpx.Timeout(timeout_s, connect=5),
            )  # fmt: skip
        result["response"] = response
    except httpx.HTTPError as exc:
        result["error"] = exc


def call_with_progress(
    url: str,
    path: Path,
    data: dict[str, str],
    console: Console,
    timeout_s: float = 3600,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """POST the file, showing estimated progress over the media's duration.

    Raises:
        httpx.HTTPError: the service could not be reached.
    """
    duration = media_duration(path)
    expected = max((duration or 60.0) * ESTIMATED_RTF, 1.0)
    result: dict[str, Any] = {}
    worker = threading.Thread(
        target=_post, args=(url, path, data, timeout_s, result, headers or {}), daemon=True
    )
    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    label = f"transcribing {path.name}" + (f" ({duration:.0f} s of audio)" if duration else "")
    with Progress(*columns, console=console) as progress:
        task = progress.add_task(label, total=100)
        started = time.monotonic()
        worker.start()
        while worker.is_alive():
            # An estimate: it never claims completion before the answer is in.
            done = min(95.0, 100 * (time.monotonic() - started) / expected)
            progress.update(task, completed=done)
            worker.join(0.2)
        progress.update(task, completed=100)
    if "error" in result:
        raise result["error"]
    return result["response"]
