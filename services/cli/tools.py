"""``aistack tools``: the tool registry from the command line.

    aistack tools                                   list: name, source, version, hash
    aistack tools errors                            plugins that did not load, and why
    aistack tools call NAME --arg k=v [--arg ...]   invoke; a value is read as JSON when it
                                                    parses (2, true, {"value": 3, "unit": "bar"})
                                                    and as text otherwise ("3 bar")

The registry is found at TOOLS_URL (else http://PEER_HOST:TOOLS_PORT); the key is the first of
GATEWAY_API_KEYS, else the local stack's development key ($AISTACK_HOME/dev-api-key).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.table import Table

from services.cli.devkey import KEY_FILE, service_headers
from services.cli.settings import Settings, settings_or_exit

app = typer.Typer(help="List and call the tool registry's tools.", invoke_without_command=True)
console = Console(highlight=False)


def _settings() -> Settings:
    return settings_or_exit(console)


def _base_url(settings: Settings) -> str:
    return (settings.tools_url or settings.peer_url(settings.tools_port)).rstrip("/")


def _key(settings: Settings) -> str:
    if settings.gateway_api_keys:
        first = settings.gateway_api_keys.split(",")[0].strip()
        # `name:key` entries carry the key after the name.
        return first.partition(":")[2] if ":" in first and not first.startswith("sk-") else first
    path = settings.aistack_home / KEY_FILE
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        console.print(
            f"[red]error:[/] no key: set GATEWAY_API_KEYS or start the stack (`aistack up` "
            f"writes {path})"
        )
        raise typer.Exit(2) from None


def _request(method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    settings = _settings()
    base = _base_url(settings)
    try:
        response = httpx.request(
            method,
            f"{base}{path}",
            json=body,
            # The tools API is internal: the stack's service token when it has one.
            headers=service_headers(settings) or {"Authorization": f"Bearer {_key(settings)}"},
            timeout=httpx.Timeout(settings.http_read_timeout_s, connect=5),
        )
    except httpx.HTTPError as exc:
        console.print(f"[red]error:[/] the tool registry at {base} is unreachable ({exc})")
        raise typer.Exit(1) from None
    data = response.json()
    if response.status_code != 200:
        error = data.get("error", {})
        console.print(
            f"[red]error ({response.status_code}):[/] {error.get('message', data)}",
            soft_wrap=True,
            markup=False,
        )
        for problem in error.get("errors", []):
            console.print(f"  {problem['path']}: {problem['message']}", markup=False)
        raise typer.Exit(1)
    return data


def parse_argument(pair: str) -> tuple[str, Any]:
    """``k=v`` → (k, v as JSON if it parses, else the text). Raises typer.BadParameter."""
    name, sep, raw = pair.partition("=")
    if not sep or not name.strip():
        raise typer.BadParameter(f"expected NAME=VALUE, got {pair!r}")
    try:
        value: Any = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return name.strip(), value


@app.callback()
def list_tools(ctx: typer.Context) -> None:
    """List the registry's tools with their source, version and hash."""
    if ctx.invoked_subcommand is not None:
        return
    tools = _request("GET", "/tools")["tools"]
    table = Table("tool", "source", "version", "hash", "changed")
    for entry in tools:
        table.add_row(
            entry["function"]["name"],
            entry["source"],
            str(entry["version"]),
            entry["hash"].removeprefix("sha256:")[:12],
            entry.get("changed_at") or "",
        )
    console.print(table)
    console.print(f"{len(tools)} tool(s)")


@app.command("errors")
def list_errors() -> None:
    """Show the plugin files that did not load, and why."""
    errors = _request("GET", "/tools/errors")["errors"]
    for problem in errors:
        console.print(f"[red]{problem['file']}[/]: {problem['error']}", soft_wrap=True)
    console.print(f"{len(errors)} problem(s)")
    raise typer.Exit(1 if errors else 0)


@app.command("call")
def call(
    name: Annotated[str, typer.Argument(help="The tool's name.")],
    arg: Annotated[
        list[str] | None, typer.Option("--arg", "-a", help="NAME=VALUE, repeatable.")
    ] = None,
) -> None:
    """Invoke a tool and print its result (exit status 1 when the tool reports an error)."""
    arguments = dict(parse_argument(pair) for pair in arg or [])
    answer = _request("POST", f"/tools/{name}/invoke", {"arguments": arguments})
    content = answer["content"]
    text = (
        content if isinstance(content, str) else json.dumps(content, indent=2, ensure_ascii=False)
    )
    console.print(text, markup=False, soft_wrap=True)
    console.print(f"[dim]{answer['duration_ms']:.1f} ms[/]")
    raise typer.Exit(1 if answer["is_error"] else 0)
