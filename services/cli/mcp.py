"""``aistack mcp ingest [--domain D]``: load the MCP domains' baseline corpora into rag-api.

The same sync the mcp service runs on first start (services/mcp/ingest.py): each corpus
document is ingested tagged with its domain; a second run changes nothing and says so in its
counts (every document ``unchanged``, no new chunks).
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from pydantic import SecretStr
from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from services.cli.devkey import read_service_token
from services.kit.errors import ServiceError
from services.kit.peer import PeerClient
from services.kit.settings import SettingsError, load_settings
from services.mcp.domains import Domain, load_domains
from services.mcp.ingest import CorpusSync, DocumentResult, DomainSummary
from services.mcp.settings import Settings

mcp_app = typer.Typer(help="The per-domain MCP servers (chem, mech, materials).")
console = Console(highlight=False)


def _load() -> tuple[Settings, dict[str, Domain]]:
    try:
        settings = load_settings(Settings)
        if settings.aistack_service_token is None:
            # rag-api is internal: use the running local stack's service token.
            token = read_service_token(settings.aistack_home)
            if token:
                settings.aistack_service_token = SecretStr(token)
        return settings, load_domains(settings.mcp_domains_file)
    except SettingsError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None


def _select(domains: dict[str, Domain], wanted: list[str] | None) -> list[Domain]:
    unknown = sorted(set(wanted or []) - set(domains))
    if unknown:
        console.print(
            f"[red]error:[/] unknown domain(s) {', '.join(unknown)}; "
            f"the domains file has {', '.join(domains)}"
        )
        raise typer.Exit(2)
    return [d for name, d in domains.items() if not wanted or name in wanted]


async def _sync_all(settings: Settings, selected: list[Domain]) -> list[DomainSummary]:
    rag = PeerClient(settings, settings.rag_base_url, name="rag-api")
    sync = CorpusSync(rag, settings.mcp_ingest_timeout_s)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    summaries = []
    try:
        with Progress(*columns, console=console) as progress:
            total = sum(len(d.documents) for d in selected)
            task = progress.add_task("syncing", total=total)

            def advance(result: DocumentResult) -> None:
                progress.update(task, description=f"{result.filename}: {result.status}")
                if result.status != "removed":
                    progress.advance(task)

            for domain in selected:
                progress.update(task, description=f"{domain.name}: comparing with rag-api")
                summaries.append(await sync.sync(domain, on_document=advance))
    finally:
        await rag.aclose()
    return summaries


_COLUMNS = {"documents": "docs", "ingested": "ingested", "updated": "updated",
            "unchanged": "unchanged", "removed": "removed", "chunks": "chunks",
            "new_chunks": "new"}  # fmt: skip


def summary_table(summaries: list[DomainSummary]) -> Table:
    table = Table("domain", *_COLUMNS.values(), box=box.SIMPLE, pad_edge=False)
    for s in summaries:
        table.add_row(s.domain, *(str(getattr(s, c)) for c in _COLUMNS))
    if len(summaries) > 1:
        table.add_row("all", *(str(sum(getattr(s, c) for s in summaries)) for c in _COLUMNS))
    return table


@mcp_app.command("ingest")
def ingest(
    domain: Annotated[
        list[str] | None,
        typer.Option("--domain", help="Only this domain (repeatable); every domain otherwise."),
    ] = None,
) -> None:
    """Load the domains' baseline corpora into rag-api; re-running changes nothing."""
    settings, domains = _load()
    selected = _select(domains, domain)
    try:
        summaries = asyncio.run(_sync_all(settings, selected))
    except ServiceError as exc:
        console.print(f"[red]error:[/] {exc.message}")
        raise typer.Exit(1) from None
    console.print(summary_table(summaries))
    changed = any(s.changed for s in summaries)
    console.print("rag-api was updated" if changed else "nothing new: rag-api was up to date")
