"""Wait until every component answers its readiness URL, with a live progress display."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from services.cli.supervisor import Running, StackError

POLL_S = 0.25


def probe(client: httpx.Client, url: str) -> bool:
    try:
        return client.get(url).status_code == 200
    except httpx.HTTPError:
        return False


def tail(path: str | object, lines: int = 20) -> str:
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def wait_ready(
    running: Callable[[], dict[str, Running]], timeout_s: float, console: Console
) -> dict[str, float]:
    """Block until all components are ready; return seconds each took.

    A component with a ``verify`` check is ready only once that check passes too (it runs
    once, after the ready URL first answers).

    Raises:
        StackError: a component exited, its check failed, or the timeout passed; names it and
            shows its log.
    """
    start = time.monotonic()
    took: dict[str, float] = {}
    with (
        httpx.Client(timeout=httpx.Timeout(1.0)) as client,
        Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.fields[name]:<14}"),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        ) as progress,
    ):
        tasks = {name: progress.add_task("starting", total=1, name=name) for name in running()}
        while len(took) < len(tasks):
            for name, proc in running().items():
                if name in took:
                    continue
                if proc.process.poll() is not None:
                    progress.update(tasks[name], description="[red]exited")
                    raise StackError(
                        f"{name} exited with status {proc.process.returncode} while starting; "
                        f"last lines of {proc.log_path}:\n{tail(proc.log_path)}"
                    )
                if probe(client, proc.component.ready_url):
                    if proc.component.verify is not None:
                        try:
                            proc.component.verify(client)
                        except StackError:
                            progress.update(tasks[name], description="[red]misconfigured")
                            raise
                    took[name] = time.monotonic() - start
                    progress.update(
                        tasks[name],
                        completed=1,
                        description=f"[green]ready[/] {proc.component.ready_url}",
                    )
            if time.monotonic() - start > timeout_s:
                waiting = sorted(set(tasks) - set(took))
                logs = running()[waiting[0]].log_path.parent
                raise StackError(
                    f"not ready after {timeout_s:g}s: {', '.join(waiting)} "
                    f"(STARTUP_TIMEOUT_S raises the limit; logs in {logs})"
                )
            time.sleep(POLL_S)
    return took
