"""``python -m operators.ingest`` (the ingestion Job's command) against a loopback rag-api
stand-in: what it uploads and under which names, the ConfigMap volume's layout, pruning, and
the multipart body as rag-api's own parser (Starlette) reads it."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import orjson
import pytest

from operators.ingest import Summary, collect, multipart, run
from services.kit.peer import PeerClient
from services.kit.settings import StackSettings
from tests.operator.conftest import REPO, TOKEN
from tests.operator.standins import Rag

pytestmark = pytest.mark.unit


def configmap_volume(root: Path, files: dict[str, str]) -> Path:
    """A folder laid out as the kubelet mounts a ConfigMap (keys link into ..data)."""
    data = root / "..2026_01_01_00_00_00.000000000"
    data.mkdir(parents=True)
    for name, text in files.items():
        (data / name).write_text(text)
    (root / "..data").symlink_to(data.name)
    for name in files:
        (root / name).symlink_to(f"..data/{name}")
    return root


def plan(sources: list[dict], **extra: object) -> dict:
    return {
        "name": "handbook",
        "domain": "materials",
        "tags": ["knowledgebase:handbook", "steel"],
        "allowPrivateUrls": False,
        "sources": sources,
        **extra,
    }


async def test_multipart_filename_survives_starlettes_parser() -> None:
    from starlette.requests import Request

    body, boundary = multipart(
        {"domain": "mech", "tags": "a,b"}, "kb/manuals/bolts.md", b"# M12", None
    )
    sent = False

    async def receive() -> dict:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    scope = {
        "type": "http",
        "method": "POST",
        "headers": [(b"content-type", f"multipart/form-data; boundary={boundary}".encode())],
    }
    form = await Request(scope, receive).form()
    upload = form["files"]
    assert upload.filename == "kb/manuals/bolts.md"
    assert await upload.read() == b"# M12"
    assert (form["domain"], form["tags"]) == ("mech", "a,b")
    assert upload.content_type == "text/markdown"


async def test_folders_become_uploads_named_after_the_base(tmp_path: Path) -> None:
    notes = configmap_volume(tmp_path / "cm", {"316l.md": "# 316L", "skip.bin": "x"})
    manuals = tmp_path / "pvc" / "manuals"
    (manuals / "steel").mkdir(parents=True)
    (manuals / "steel" / "grades.txt").write_text("S355")
    (manuals / ".hidden.md").write_text("no")
    summary = Summary()
    items = await collect(plan([{"dir": str(notes)}, {"dir": str(manuals)}]), summary)
    assert sorted(i.name for i in items) == ["handbook/316l.md", "handbook/steel/grades.txt"]
    assert summary.failed == []


async def test_a_run_uploads_tags_and_prunes_what_left(
    rag: tuple[Rag, str], tmp_path: Path
) -> None:
    standin, url = rag
    standin.add("old-1", "handbook/removed.md", ["knowledgebase:handbook"])
    standin.add("other-1", "other/a.md", ["knowledgebase:other"])
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.md").write_text("# A")
    (folder / "b.html").write_text("<h1>B</h1>")
    client = PeerClient(StackSettings(aistack_service_token=TOKEN), url, name="rag-api")
    try:
        summary = await run(plan([{"dir": str(folder)}]), client)
        assert (summary.files, summary.ingested, summary.unchanged, summary.pruned) == (2, 2, 0, 1)
        assert {u["name"] for u in standin.uploads} == {"handbook/a.md", "handbook/b.html"}
        assert all(u["tags"] == ["knowledgebase:handbook", "steel"] for u in standin.uploads)
        assert all(u["domain"] == "materials" for u in standin.uploads)
        assert "old-1" not in standin.documents and "other-1" in standin.documents
        assert set(standin.authorizations) == {f"Bearer {TOKEN}"}
        again = await run(plan([{"dir": str(folder)}]), client)  # idempotent
        assert (again.ingested, again.unchanged, again.pruned) == (0, 2, 0)
    finally:
        await client.aclose()


async def test_an_incomplete_run_prunes_nothing(rag: tuple[Rag, str], tmp_path: Path) -> None:
    standin, url = rag
    standin.add("old-1", "handbook/removed.md", ["knowledgebase:handbook"])
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.md").write_text("# A")
    client = PeerClient(StackSettings(), url, name="rag-api")
    try:
        summary = await run(
            plan([{"dir": str(folder)}, {"url": "http://127.0.0.1:9/x.pdf"}]), client
        )
    finally:
        await client.aclose()
    assert summary.ingested == 1 and summary.pruned == 0
    assert "old-1" in standin.documents
    (failure,) = summary.failed
    assert failure["source"] == "http://127.0.0.1:9/x.pdf" and "loopback" in failure["error"]


async def test_the_jobs_command_end_to_end(rag: tuple[Rag, str], tmp_path: Path) -> None:
    """`python -m operators.ingest` as the Job runs it: settings from the environment, a JSON
    summary line on stdout, exit 0."""
    standin, url = rag
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.md").write_text("# A")
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(REPO),
        "HF_HUB_OFFLINE": "1",
        "RAG_URL": url,
        "AISTACK_SERVICE_TOKEN": TOKEN,
        "LOG_FORMAT": "json",
        "INGEST_PLAN": orjson.dumps(plan([{"dir": str(folder)}])).decode(),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "operators.ingest", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode()
    summary = orjson.loads(out.decode().strip().splitlines()[-1])
    assert summary == {"files": 1, "ingested": 1, "unchanged": 0, "failed": [], "pruned": 0}
    assert [u["name"] for u in standin.uploads] == ["handbook/a.md"]


async def test_nothing_stored_is_a_failed_run(rag: tuple[Rag, str], tmp_path: Path) -> None:
    standin, url = rag
    standin.refuse.add("handbook/broken.pdf")
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "broken.pdf").write_bytes(b"%PDF-")
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(REPO),
        "RAG_URL": url,
        "INGEST_PLAN": orjson.dumps(plan([{"dir": str(folder)}])).decode(),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "operators.ingest", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 1
    assert orjson.loads(out.decode().strip().splitlines()[-1])["failed"][0]["error"] == "unreadable"


def test_url_names_are_labels_rag_api_accepts() -> None:
    from operators.ingest import _url_name

    assert _url_name("kb", "https://x.example/a/../../b/c.pdf", None) == "kb/x.example/b/c.pdf"
    assert (
        _url_name("kb", "https://x.example/", "text/html; charset=utf-8")
        == "kb/x.example/index.html"
    )
    assert _url_name("kb", "https://x.example/spec", "application/pdf") == "kb/x.example/spec.pdf"
