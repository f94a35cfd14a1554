"""`aistack mcp ingest`: the baseline corpora into rag-api tagged with their domain;
re-running changes nothing; a changed or removed document is updated in place; the chat
path's retrieval finds the baseline passages."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from services.mcp.settings import DEFAULT_DOMAINS_FILE
from tests.conftest import free_port
from tests.mcp.conftest import DOMAINS, INJECTION, Ingested, rag_documents, run_cli, start_rag
from tests.service_process import ServiceProcess

pytestmark = pytest.mark.integration

PACKAGE = DEFAULT_DOMAINS_FILE.parent
COLUMNS = ("docs", "ingested", "updated", "unchanged", "removed", "chunks", "new")


def counts(output: str) -> dict[str, dict[str, int]]:
    """The summary table's rows: domain → column → number."""
    rows = {}
    for line in output.splitlines():
        match = re.match(r"^\s*(chem|mech|materials|all)\s+((?:\d+\s+){6}\d+)\s*$", line)
        if match:
            rows[match.group(1)] = dict(zip(COLUMNS, map(int, match.group(2).split()), strict=True))
    return rows


def shipped_files() -> dict[str, list[str]]:
    return {d: sorted(p.name for p in (PACKAGE / "corpora" / d).glob("*.md")) for d in DOMAINS}


def test_a_second_run_changes_nothing(ingested: Ingested) -> None:
    first, second = ingested.first, ingested.second
    assert first.returncode == 0, first.stdout + first.stderr
    assert second.returncode == 0, second.stdout + second.stderr
    files = shipped_files()
    total = sum(len(f) for f in files.values())
    before, after = counts(first.stdout), counts(second.stdout)
    for domain in DOMAINS:
        n = len(files[domain])
        assert before[domain]["docs"] == before[domain]["ingested"] == n
        assert before[domain]["new"] == before[domain]["chunks"] > 0
        assert after[domain]["unchanged"] == n
        assert after[domain]["chunks"] == before[domain]["chunks"]
    assert (
        after["all"]["ingested"],
        after["all"]["updated"],
        after["all"]["removed"],
        after["all"]["new"],
        after["all"]["unchanged"],
    ) == (0, 0, 0, 0, total)
    assert "rag-api was updated" in first.stdout
    assert "nothing new: rag-api was up to date" in second.stdout
    # Once each in rag-api, tagged with the domain and the baseline tag.
    stored = rag_documents(ingested.rag.base_url)
    baseline = sorted(d["source"] for d in stored if d["source"].startswith("mcp/"))
    assert baseline == sorted(f"mcp/{d}/{f}" for d, names in files.items() for f in names)
    for doc in stored:
        if doc["source"].startswith("mcp/"):
            assert doc["domains"] == [doc["source"].split("/")[1]]
            assert "mcp-baseline" in doc["tags"]
            assert any(t.startswith("rev-") for t in doc["tags"])


@pytest.mark.parametrize(
    ("query", "source", "words"),
    [
        (
            "What is the OSHA permissible exposure limit for benzene?",
            "mcp/chem/solvent-hazards.md",
            "1 ppm TWA",
        ),
        (
            "What preload should a reusable bolted connection get, as a share of proof load?",
            "mcp/mech/bolted-joints.md",
            "75 %",
        ),
        (
            "Up to what temperature can a nitrile O-ring be used?",
            "mcp/materials/polymers-elastomers.md",
            "121 °C",
        ),
    ],
)
def test_the_chat_paths_retrieval_finds_the_baseline_corpora(
    ingested: Ingested, query: str, source: str, words: str
) -> None:
    """The body the orchestrator's retrieve node sends (no domain filter)."""
    body = {"query": query, "top_k": 5, "domain_weights": {}, "prefer_hard_facts": True}
    found = httpx.post(f"{ingested.rag.base_url}/retrieve", json=body, timeout=60).json()
    hits = [d for d in found["documents"] if d["citation"]["source"] == source]
    assert hits, [d["citation"]["source"] for d in found["documents"]]
    assert any(words in d["content"] for d in hits)
    assert hits[0]["meta"]["corpus"] == "mcp-baseline" and hits[0]["meta"]["reference"]


def test_unknown_domain_or_unreachable_rag_api_is_reported(tmp_path: Path) -> None:
    unknown = run_cli("http://127.0.0.1:9", "mcp", "ingest", "--domain", "biology", cwd=tmp_path)
    assert unknown.returncode == 2
    assert (
        "unknown domain(s) biology" in unknown.stdout and "chem, mech, materials" in unknown.stdout
    )
    down = f"http://127.0.0.1:{free_port()}"
    result = run_cli(down, "mcp", "ingest", cwd=tmp_path)
    assert result.returncode == 1
    assert f"rag-api at {down} is unreachable" in " ".join(result.stdout.split())


@pytest.fixture
def fresh_rag(tmp_path: Path) -> Iterator[ServiceProcess]:
    rag = start_rag(tmp_path)
    try:
        yield rag
    finally:
        rag.stop()


def test_a_changed_or_removed_document_is_replaced_not_duplicated(
    fresh_rag: ServiceProcess, tmp_path: Path
) -> None:
    root = tmp_path / "mine"
    shutil.copytree(PACKAGE / "corpora", root / "corpora")
    shutil.copytree(PACKAGE / "constraints", root / "constraints")
    domains_file = root / "domains.yaml"
    domains_file.write_text(DEFAULT_DOMAINS_FILE.read_text().replace("package:", ""))
    env = {"MCP_DOMAINS_FILE": str(domains_file)}
    rag = fresh_rag.base_url

    def chem_docs() -> dict[str, dict]:
        return {d["source"]: d for d in rag_documents(rag, "chem")}

    first = run_cli(rag, "mcp", "ingest", "--domain", "chem", cwd=tmp_path, **env)
    assert counts(first.stdout)["chem"]["ingested"] == 2, first.stdout
    before = chem_docs()

    solvents = root / "corpora" / "chem" / "solvent-hazards.md"
    solvents.write_text(
        solvents.read_text() + "\n## Xylene (CAS 1330-20-7)\n\nNIOSH REL 100 ppm.\n"
    )
    (root / "corpora" / "chem" / "reactive-hazards.md").unlink()
    second = run_cli(rag, "mcp", "ingest", "--domain", "chem", cwd=tmp_path, **env)
    row = counts(second.stdout)["chem"]
    assert (row["docs"], row["updated"], row["removed"], row["ingested"]) == (1, 1, 1, 0)
    after = chem_docs()
    assert list(after) == ["mcp/chem/solvent-hazards.md"]
    assert after["mcp/chem/solvent-hazards.md"]["id"] != before["mcp/chem/solvent-hazards.md"]["id"]
    xylene = httpx.post(
        f"{rag}/retrieve",
        json={"query": "xylene NIOSH REL", "top_k": 3, "filters": {"domain": ["chem"]}},
        timeout=60,
    ).json()
    assert any("Xylene" in d["content"] for d in xylene["documents"])

    # Only the front matter changes (same text): rag-api would call it unchanged; the sync
    # still replaces it, so the new hazard tag reaches the chunks.
    solvents.write_text(solvents.read_text().replace("[flammable,", "[flammable, irritant,"))
    third = run_cli(rag, "mcp", "ingest", "--domain", "chem", cwd=tmp_path, **env)
    assert counts(third.stdout)["chem"]["updated"] == 1, third.stdout
    (doc,) = chem_docs().values()
    assert "irritant" in doc["tags"]
    again = run_cli(rag, "mcp", "ingest", "--domain", "chem", cwd=tmp_path, **env)
    assert counts(again.stdout)["chem"]["unchanged"] == 1
    assert "nothing new" in again.stdout
    # A user's own chem document is never touched by the sync.
    httpx.post(
        f"{rag}/ingest",
        json={
            "documents": [
                {"source": INJECTION.name, "text": INJECTION.read_text(), "domain": "chem"}
            ]
        },
        timeout=120,
    )
    run_cli(rag, "mcp", "ingest", "--domain", "chem", cwd=tmp_path, **env)
    assert INJECTION.name in chem_docs()
