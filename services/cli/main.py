"""``aistack``: run the stack locally (``up``, ``status``, ``down``); ``ingest``, ``transcribe``."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from services.cli.components import stack_components
from services.cli.devkey import ensure_dev_key, ensure_service_token, service_headers
from services.cli.ingest import run_ingest, summary_table
from services.cli.mcp import mcp_app
from services.cli.readiness import probe, wait_ready
from services.cli.settings import Settings, settings_or_exit
from services.cli.supervisor import (
    StackError,
    Supervisor,
    read_state,
    same_process,
    stop_recorded_stack,
)
from services.cli.tools import app as tools_app
from services.cli.transcribe import call_with_progress
from services.kit.models import ModelTable

app = typer.Typer(help="ai-stack: the local stack and admin commands.", no_args_is_help=True)
app.add_typer(mcp_app, name="mcp")
app.add_typer(tools_app, name="tools")
console = Console(highlight=False)


class _StopRequestedError(Exception):
    """Raised from the SIGTERM handler to unwind into an orderly shutdown."""


def _settings() -> Settings:
    return settings_or_exit(console)


def _api_key(settings: Settings) -> tuple[str, str]:
    if settings.gateway_api_keys:
        return settings.gateway_api_keys.split(",")[0].strip(), "GATEWAY_API_KEYS"
    key, path = ensure_dev_key(settings.aistack_home)
    return key, str(path)


def _curl(settings: Settings, key: str) -> str:
    base = f"http://{settings.peer_host}:{settings.gateway_port}/v1"
    body = (
        f'{{"model": "{settings.aistack_models[0]}", '
        '"messages": [{"role": "user", "content": "Hello"}]}'
    )
    return (
        f"curl -s {base}/chat/completions -H 'Authorization: Bearer {key}' "
        f"-H 'Content-Type: application/json' -d '{body}'"
    )


def shown_key(key: str, key_source: str) -> str:
    """The key as the banner may print it: the generated development key in full (the user
    needs it and it lives in a private file), a configured key masked (never printed)."""
    if key_source == "GATEWAY_API_KEYS":
        return f"{key[:3]}…{key[-4:]}" if len(key) > 12 else "…"
    return key


def _summary(settings: Settings, key: str, key_source: str) -> Panel:
    base = f"http://{settings.peer_host}:{settings.gateway_port}/v1"
    routes = ModelTable(settings).routes()
    runners = ", ".join(f"{r.id}: {r.backend.value} at {r.base_url}" for r in routes)
    lines = [
        f"[bold]OpenAI base URL[/]  {base}",
        f"[bold]API key[/]          {shown_key(key, key_source)}  [dim](from {key_source})[/]",
        f"[bold]Model[/]            {', '.join(r.id for r in routes)}",
        f"[bold]LLM runner[/]       {runners}",
        f"[bold]Logs[/]             {settings.aistack_home / 'logs'}",
        "",
        "Ctrl-C (or `aistack down`) stops everything. Try it:",
    ]
    return Panel("\n".join(lines), title="ai-stack is ready", expand=False)


def _check_not_running(settings: Settings) -> None:
    state = read_state(settings.aistack_home)
    if state and same_process(state["supervisor_pid"], None):
        console.print(
            "[red]error:[/] a stack is already running "
            f"(supervisor pid {state['supervisor_pid']}); "
            "run `aistack down` first"
        )
        raise typer.Exit(1)


def _watch(supervisor: Supervisor, settings: Settings) -> None:
    while True:
        for crashed in supervisor.exited():
            console.print(
                f"[yellow]{crashed.component.name} exited ({crashed.process.returncode}); "
                f"restarting[/] (see {crashed.log_path})"
            )
            supervisor.restart(crashed, settings.max_restarts)
        time.sleep(0.5)


@app.command()
def up(
    timeout: Annotated[
        float | None, typer.Option(help="Seconds to wait for readiness (STARTUP_TIMEOUT_S).")
    ] = None,
) -> None:
    """Start every service as its own process on loopback and stay in the foreground."""
    settings = _settings()
    _check_not_running(settings)
    key, key_source = _api_key(settings)
    token = (
        settings.aistack_service_token.get_secret_value()
        if settings.aistack_service_token
        else ensure_service_token(settings.aistack_home)
    )
    supervisor = Supervisor(
        stack_components(settings), settings.child_environment(key, token), settings.aistack_home
    )

    def on_sigterm(*_: object) -> None:
        raise _StopRequestedError

    signal.signal(signal.SIGTERM, on_sigterm)
    # Ctrl-C stops the stack even where it was started with SIGINT ignored (a background job
    # of a non-interactive shell inherits SIG_IGN, and Python then never raises
    # KeyboardInterrupt).
    previous_sigint = signal.signal(signal.SIGINT, signal.default_int_handler)
    code = 0
    try:
        supervisor.check_ports(settings.bind_host)
        supervisor.start_all()
        wait_ready(lambda: supervisor.running, timeout or settings.startup_timeout_s, console)
        supervisor.write_state(
            {"gateway_url": f"http://{settings.peer_host}:{settings.gateway_port}/v1"}
        )
        console.print(_summary(settings, key, key_source))
        # Outside the panel and unwrapped, so that it copies as one line.
        console.print(_curl(settings, shown_key(key, key_source)), soft_wrap=True, markup=False)
        _watch(supervisor, settings)
    except StackError as exc:
        console.print(f"[red]error:[/] {exc}", soft_wrap=True)
        code = 1
    except (KeyboardInterrupt, _StopRequestedError):
        console.print("stopping ...")
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, previous_sigint)
        supervisor.stop_all()
    console.print("stopped" if code == 0 else "stopped after an error")
    raise typer.Exit(code)


@app.command()
def status() -> None:
    """Show each running service, its pid and whether it is ready."""
    settings = _settings()
    state = read_state(settings.aistack_home)
    if state is None:
        console.print(f"no stack running (no state in {settings.aistack_home})")
        raise typer.Exit(1)
    table = Table("service", "pid", "process", "ready", "url")
    all_ready = True
    with httpx.Client(timeout=httpx.Timeout(2.0)) as client:
        for comp in state["components"]:
            alive = same_process(comp["pid"], comp.get("create_time")) is not None
            ready = alive and probe(client, comp["ready_url"])
            all_ready &= ready
            table.add_row(
                comp["name"],
                str(comp["pid"]),
                "[green]running[/]" if alive else "[red]gone[/]",
                "[green]yes[/]" if ready else "[red]no[/]",
                comp["ready_url"],
            )
    console.print(table)
    raise typer.Exit(0 if all_ready else 1)


@app.command()
def down() -> None:
    """Stop a stack started by `aistack up` (in this or another terminal)."""
    settings = _settings()
    count = stop_recorded_stack(settings.aistack_home, on_step=lambda m: console.print(m))
    console.print("no stack running" if count == 0 else f"stopped {count} process(es)")


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (.txt .md .html .pdf).")],
    domain: Annotated[
        str | None, typer.Option(help="chem | mech | materials (classified when omitted).")
    ] = None,
    tags: Annotated[str | None, typer.Option(help="Comma-separated tags for every chunk.")] = None,
) -> None:
    """Add documents to the knowledge base (rag-api); re-running skips what is already in."""
    settings = _settings()
    summary = run_ingest(
        settings.rag_base_url, paths, domain, tags, console, headers=service_headers(settings)
    )
    console.print(summary_table(summary))
    if summary.failed:
        for path, reason in summary.failed:
            console.print(f"[red]failed[/] {path}: {reason}")
        raise typer.Exit(1)


@app.command()
def optimize() -> None:
    """Build the knowledge base's search indexes (searches wait while this runs)."""
    settings = _settings()
    url = f"{settings.rag_base_url}/optimize"
    with console.status("building the search indexes (searches wait meanwhile) ..."):
        try:
            response = httpx.post(
                url, headers=service_headers(settings), timeout=httpx.Timeout(3600, connect=5)
            )
        except httpx.HTTPError as exc:
            console.print(
                f"[red]error:[/] rag-api at {settings.rag_base_url} is unreachable ({exc})"
            )
            raise typer.Exit(1) from None
    if response.status_code != 200:
        console.print(f"[red]error:[/] {response.text[:300]}")
        raise typer.Exit(1)
    body = response.json()
    console.print(f"indexed {body['chunks']} chunks in {body['seconds']:.1f} s")


@app.command()
def transcribe(
    file: Annotated[Path, typer.Argument(help="An audio or video file.")],
    ingest: Annotated[
        bool, typer.Option("--ingest", help="Store the transcript in the knowledge base.")
    ] = False,
    domain: Annotated[str | None, typer.Option(help="chem | mech | materials.")] = None,
    all_segments: Annotated[
        bool, typer.Option("--all-segments", help="Ingest narrative segments too.")
    ] = False,
) -> None:
    """Transcribe a recording (asr-api); with --ingest, make its technical parts citable."""
    settings = _settings()
    if not file.is_file():
        console.print(f"[red]error:[/] {file} is not a file")
        raise typer.Exit(2)
    base = settings.asr_base_url
    if ingest:
        data = {"segments": "all" if all_segments else "technical"}
        if domain:
            data["domain"] = domain
        url = f"{base}/ingest"
    else:
        data = {"model": "whisper-1", "response_format": "verbose_json"}
        url = f"{base}/v1/audio/transcriptions"
    try:
        response = call_with_progress(url, file, data, console, headers=service_headers(settings))
    except httpx.HTTPError as exc:
        console.print(f"[red]error:[/] asr-api at {base} is unreachable ({exc}); is the stack up?")
        raise typer.Exit(1) from None
    body = response.json()
    if response.status_code != 200:
        console.print(f"[red]error:[/] {body.get('error', {}).get('message', response.text)}")
        raise typer.Exit(1)
    if ingest:
        seg = body["segments"]
        kb = body["knowledge_base"]
        console.print(
            f"{body['source']}: {seg['total']} segments, {seg['technical']} technical, "
            f"{seg['sent']} passage(s) sent; knowledge base: {kb.get('ingested', 0)} "
            "document(s) ingested",
            soft_wrap=True,
        )
        return
    for s in body.get("segments", []):
        line = f"{s['start']:7.2f}-{s['end']:7.2f}  {s.get('tag', ''):<10} {s['text'].strip()}"
        console.print(line, markup=False, highlight=False, soft_wrap=True)


def main() -> None:  # pragma: no cover - console-script shim
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
