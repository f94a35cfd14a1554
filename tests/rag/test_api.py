"""The HTTP API in process (TestClient, real engine and model): ingest batches with bad
files, retrieval with citations, documents, OpenAI-style embeddings, readiness."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from services.rag.engine import Embedders
from services.rag.main import create_app
from tests.rag.conftest import make_settings
from tests.rag.pdfgen import make_pdf

pytestmark = pytest.mark.unit

GOOD_MD = (
    b"# Flanges\n\nPN16 flanges are rated for 16 bar at 20 \xc2\xb0C. Never exceed 120 \xc2\xb0C."
)


def _client(home: Path, embedders: Embedders, **overrides: Any) -> TestClient:
    app = create_app(make_settings(home, **overrides), embedders=embedders)
    return TestClient(app)


@pytest.fixture
def client(tmp_path: Path, embedders: Embedders) -> Iterator[TestClient]:
    with _client(tmp_path, embedders, rag_max_file_bytes=4096) as c:
        yield c


def _files(*items: tuple[str, bytes, str]) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("files", item) for item in items]


def test_ready_when_store_open_and_model_loaded(client: TestClient) -> None:
    body = client.get("/ready").json()
    assert body == {"status": "ready", "checks": {"store": "ok", "model": "ok"}}


def test_batch_with_bad_files_still_ingests_good_ones(client: TestClient) -> None:
    response = client.post(
        "/ingest",
        files=_files(
            ("flanges.md", GOOD_MD, "text/markdown"),
            ("setup.exe", b"MZ\x90\x00", "application/octet-stream"),
            ("empty.pdf", b"", "application/pdf"),
            ("corrupt.pdf", make_pdf(["torque table"])[:160], "application/pdf"),
            ("huge.txt", b"a " * 4000, "text/plain"),
            (
                "spec.pdf",
                make_pdf(["Gasket spec", "Page 2: bolts M16x2 to 150 N m"]),
                "application/pdf",
            ),
        ),
        data={"domain": "mech", "metadata": json.dumps({"plant": "A"}), "tags": "flanges,qa"},
    )
    assert response.status_code == 200, response.text
    results = {r["file"]: r for r in response.json()["results"]}
    assert results["flanges.md"]["status"] == "ingested"
    assert results["spec.pdf"]["status"] == "ingested"
    expected = {
        "setup.exe": (415, "unsupported file type"),
        "empty.pdf": (422, "empty file"),
        "corrupt.pdf": (422, "corrupt pdf"),
        "huge.txt": (413, "4096 bytes"),
    }
    for name, (status, reason) in expected.items():
        error = results[name]["error"]
        assert error["status"] == status and name in error["message"]
        assert reason in error["message"]
    assert response.json()["ingested"] == 2 and response.json()["errors"] == 4

    docs = client.get("/documents").json()["data"]
    assert sorted(d["source"] for d in docs) == ["flanges.md", "spec.pdf"]
    assert all(d["domains"] == ["mech"] and d["tags"] == ["flanges", "qa"] for d in docs)


def test_all_bad_batch_is_4xx(client: TestClient) -> None:
    response = client.post("/ingest", files=_files(("a.exe", b"MZ", "x/y"), ("b.doc", b"x", "")))
    assert response.status_code == 415
    body = response.json()
    assert "a.exe" in body["error"]["message"] and "b.doc" in body["error"]["message"]
    assert len(body["results"]) == 2
    mixed = client.post("/ingest", files=_files(("a.exe", b"MZ", ""), ("e.txt", b" ", "")))
    assert mixed.status_code == 400


def test_request_over_the_cap_is_413_naming_it(tmp_path: Path, embedders: Embedders) -> None:
    with _client(tmp_path, embedders, rag_max_request_bytes=2048) as client:
        response = client.post("/ingest", files=_files(("big.txt", b"x" * 5000, "text/plain")))
    assert response.status_code == 413
    assert "2048 bytes" in response.json()["error"]["message"]
    assert "RAG_MAX_REQUEST_BYTES" in response.json()["error"]["message"]


def test_retrieve_returns_documents_with_citations(client: TestClient) -> None:
    client.post("/ingest", files=_files(("flanges.md", GOOD_MD, "text/markdown")))
    client.post(
        "/ingest",
        json={
            "documents": [
                {
                    "source": "meeting-42",
                    "domain": "chem",
                    "segments": [
                        {
                            "text": "we agreed the reactor stays below 4 bar",
                            "start": 12.0,
                            "end": 15.5,
                        },
                        {"text": "and the solvent is toluene", "start": 15.5, "end": 18.0},
                    ],
                }
            ]
        },
    )
    body = client.post("/retrieve", json={"query": "flange pressure rating", "top_k": 2}).json()
    top = body["documents"][0]
    assert top["meta"]["source"] == "flanges.md"
    assert set(top) == {"id", "content", "score", "meta", "citation"}
    cite = top["citation"]
    assert cite["chunk_id"] == top["id"] and cite["source"] == "flanges.md"
    assert cite["heading"] == "Flanges" and cite["offset_start"] == 0
    assert {q["si_unit"] for q in top["meta"]["quantities"]} >= {"K"}
    resolved = client.get(f"/chunks/{cite['chunk_id']}").json()
    assert resolved["content"] == top["content"]

    talk = client.post(
        "/retrieve", json={"query": "reactor pressure", "filters": {"source": "meeting-42"}}
    ).json()["documents"][0]
    assert (talk["citation"]["start_s"], talk["citation"]["end_s"]) == (12.0, 18.0)


def test_retrieve_validation(client: TestClient) -> None:
    assert client.post("/retrieve", json={"query": ""}).status_code == 400
    bad = client.post("/retrieve", json={"query": "x", "filters": {"colour": "red"}})
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "filters.colour"
    assert client.post("/retrieve", json={"query": "x", "top_k": 1000}).status_code == 400


def test_delete_document_and_unknown_ids(client: TestClient) -> None:
    res = client.post("/ingest", json={"documents": [{"source": "n.txt", "text": "Nickel."}]})
    doc_id = res.json()["results"][0]["document_id"]
    assert client.delete(f"/documents/{doc_id}").json()["chunks"] == 1
    assert client.delete(f"/documents/{doc_id}").status_code == 404
    assert client.get("/documents").json()["data"] == []
    assert client.get("/chunks/not-a-uuid").status_code == 404
    assert client.get("/chunks/6f1c1f8e-5a0b-4d7e-9a39-3c1c0e0a4b21").status_code == 404


def test_openai_embeddings(client: TestClient, embedders: Embedders) -> None:
    body = client.post(
        "/v1/embeddings",
        json={
            "input": ["bolt torque", "yield strength"],
            "model": "sentence-transformers/all-MiniLM-L6-v2",
        },
    ).json()
    assert body["object"] == "list" and [d["index"] for d in body["data"]] == [0, 1]
    vector = np.array(body["data"][0]["embedding"])
    assert vector.shape == (384,) and abs(np.linalg.norm(vector) - 1) < 1e-4
    assert np.allclose(vector, embedders.embed(["bolt torque"])[0], atol=1e-5)
    assert body["usage"]["prompt_tokens"] == body["usage"]["total_tokens"] > 4
    b64 = client.post(
        "/v1/embeddings",
        json={"input": "bolt torque", "model": "all-MiniLM-L6-v2", "encoding_format": "base64"},
    ).json()["data"][0]["embedding"]
    assert np.allclose(np.frombuffer(base64.b64decode(b64), dtype=np.float32), vector, atol=1e-5)
    unknown = client.post("/v1/embeddings", json={"input": "x", "model": "text-embedding-3"})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "model_not_found"
    assert (
        client.post("/v1/embeddings", json={"input": [], "model": "all-MiniLM-L6-v2"}).status_code
        == 400
    )


def test_caller_metadata_cannot_corrupt_transcript_spans(client: TestClient) -> None:
    """A metadata key that clashes with the pipeline's own (``segments``) is ignored there."""
    document = {
        "source": "talk.wav",
        "segments": [{"text": "The bolt preload is 40 kN.", "start": 1.0, "end": 3.5}],
        "metadata": {"segments": "technical", "content_type": "x", "speaker": "ana"},
    }
    response = client.post("/ingest", json={"documents": [document]})
    assert response.status_code == 200, response.text
    found = client.post("/retrieve", json={"query": "bolt preload", "top_k": 1}).json()
    (top,) = found["documents"]
    assert top["citation"]["start_s"] == 1.0 and top["citation"]["end_s"] == 3.5
    assert top["meta"]["speaker"] == "ana"


def test_optimize_builds_the_indexes_and_search_still_answers(client: TestClient) -> None:
    files = _files(("bolts.md", b"# Bolts\n\nTighten M12x1.75 bolts to 85 N m.", "text/markdown"))
    assert client.post("/ingest", files=files).status_code == 200
    result = client.post("/optimize")
    assert result.status_code == 200
    body = result.json()
    assert body["object"] == "optimize.result" and body["chunks"] >= 1 and body["seconds"] >= 0
    found = client.post("/retrieve", json={"query": "M12x1.75 torque", "top_k": 1}).json()
    assert found["documents"][0]["citation"]["source"] == "bolts.md"
