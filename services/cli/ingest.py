"""``aistack ingest``: send files to rag-api one by one, with a progress bar and a summary."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

SUPPORTED = {".txt", ".md", ".markdown", ".html", ".htm", ".pdf"}


@dataclass
class Summary:
    files: int = 0
    chunks: int = 0
    new_chunks: int = 0
    ingested: int = 0
    unchanged: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)


def expand(paths: list[Path]) -> list[Path]:
    """Files as given, and the supported files under given folders (sorted, so runs repeat)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED
            )
        else:
            found.append(path)
    return found


def _error_message(body: Any, response: httpx.Response) -> str:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return str(body["error"].get("message"))
    return f"HTTP {response.status_code}"


def ingest_one(
    client: httpx.Client, path: Path, domain: str | None, tags: str | None
) -> dict[str, Any]:
    """One file's result entry from rag-api (``status`` ingested | unchanged | error)."""
    if not path.exists():
        return {"file": str(path), "status": "error", "error": {"message": "no such file"}}
    data = {k: v for k, v in (("domain", domain), ("tags", tags)) if v}
    with path.open("rb") as handle:
        response = client.post("/ingest", files={"files": (path.name, handle)}, data=data)
    try:
        body = response.json()
    except json.JSONDecodeError:
        body = None
    results = body.get("results") if isinstance(body, dict) else None
    if results:
        return dict(results[0])
    return {
        "file": str(path),
        "status": "error",
        "error": {"message": _error_message(body, response)},
    }


def run_ingest(
    base_url: str,
    paths: list[Path],
    domain: str | None,
    tags: str | None,
    console: Console,
    timeout_s: float = 600,
    headers: dict[str, str] | None = None,
) -> Summary:
    files = expand(paths)
    summary = Summary(files=len(files))
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    timeout = httpx.Timeout(timeout_s, connect=5)
    with (
        httpx.Client(base_url=base_url, timeout=timeout, headers=headers or {}) as client,
        Progress(*columns, console=console) as progress,
    ):
        task = progress.add_task("ingesting", total=len(files))
        for path in files:
            progress.update(task, description=f"ingesting {path.name}")
            try:
                result = ingest_one(client, path, domain, tags)
            except httpx.HTTPError as exc:
                result = {"status": "error", "error": {"message": f"rag-api unreachable: {exc}"}}
            if result.get("status") == "error":
                summary.failed.append((str(path), str(result.get("error", {}).get("message"))))
            else:
                summary.ingested += result.get("status") == "ingested"
                summary.unchanged += result.get("status") == "unchanged"
                summary.chunks += int(result.get("chunks", 0))
                summary.new_chunks += int(result.get("new_chunks", 0))
            progress.advance(task)
    return summary


def summary_table(summary: Summary) -> Table:
    table = Table("files", "ingested", "unchanged", "failed", "chunks", "new chunks")
    table.add_row(
        str(summary.files), str(summary.ingested), str(summary.unchanged),
        str(len(summary.failed)), str(summary.chunks), str(summary.new_chunks),
    )  # fmt: skip
    return table
