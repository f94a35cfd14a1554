"""Loopback stand-ins for the services the operator talks to: Ollama's pull API, the tool
registry's /tools, rag-api's documents and ingest. Real HTTP on 127.0.0.1 (aiohttp.web), with
the state each test sets and asserts on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web
from aiohttp.test_utils import TestServer


@asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[str]:
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


@dataclass
class Ollama:
    """Speaks Ollama's /api/tags and the streamed /api/pull (one JSON object per line)."""

    models: dict[str, str] = field(default_factory=dict)  # tag -> digest
    unknown: set[str] = field(default_factory=set)
    pulls: list[str] = field(default_factory=list)
    layer_steps: int = 4

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/api/tags", self.tags)
        app.router.add_post("/api/pull", self.pull)
        return app

    async def tags(self, request: web.Request) -> web.Response:
        models = [{"name": tag, "model": tag, "digest": d} for tag, d in self.models.items()]
        return web.json_response({"models": models})

    async def pull(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        tag = body["model"]
        self.pulls.append(tag)
        response = web.StreamResponse(headers={"Content-Type": "application/x-ndjson"})
        await response.prepare(request)

        async def line(event: dict[str, Any]) -> None:
            await response.write(orjson.dumps(event) + b"\n")
            await asyncio.sleep(0)

        await line({"status": "pulling manifest"})
        if tag in self.unknown:
            await line({"error": "pull model manifest: file does not exist"})
            await response.write_eof()
            return response
        total = 1000
        for step in range(1, self.layer_steps + 1):
            await line({
                "status": "pulling 6f5a2b3c",
                "digest": "sha256:6f5a2b3c",
                "total": total,
                "completed": total * step // self.layer_steps,
            })  # fmt: skip
        for status in ("verifying sha256 digest", "writing manifest", "success"):
            await line({"status": status})
        self.models[tag] = "a8b0c5157701"
        await response.write_eof()
        return response


@dataclass
class Registry:
    """The tool registry's GET /tools and GET /tools/errors."""

    tools: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    authorizations: list[str | None] = field(default_factory=list)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/tools", self.list_tools)
        app.router.add_get("/tools/errors", self.list_errors)
        return app

    async def list_tools(self, request: web.Request) -> web.Response:
        self.authorizations.append(request.headers.get("Authorization"))
        return web.json_response({"tools": self.tools})

    async def list_errors(self, request: web.Request) -> web.Response:
        self.authorizations.append(request.headers.get("Authorization"))
        return web.json_response({"errors": self.errors})


@dataclass
class Rag:
    """rag-api's GET /documents, DELETE /documents/{id} and a multipart POST /ingest."""

    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    uploads: list[dict[str, Any]] = field(default_factory=list)
    authorizations: list[str | None] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/documents", self.list_documents)
        app.router.add_delete("/documents/{id}", self.delete_document)
        app.router.add_post("/ingest", self.ingest)
        return app

    def add(self, doc_id: str, source: str, tags: list[str], chunks: int = 3) -> None:
        self.documents[doc_id] = {"id": doc_id, "source": source, "tags": tags, "chunks": chunks}

    async def list_documents(self, request: web.Request) -> web.Response:
        self.authorizations.append(request.headers.get("Authorization"))
        return web.json_response({"object": "list", "data": list(self.documents.values())})

    async def delete_document(self, request: web.Request) -> web.Response:
        self.authorizations.append(request.headers.get("Authorization"))
        doc = self.documents.pop(request.match_info["id"], None)
        if doc is None:
            return web.json_response({"error": {"message": "no such document"}}, status=404)
        return web.json_response({"id": doc["id"], "deleted": True, "chunks": doc["chunks"]})

    async def ingest(self, request: web.Request) -> web.Response:
        self.authorizations.append(request.headers.get("Authorization"))
        form = await request.post()
        upload = form["files"]
        name = upload.filename
        data = upload.file.read()
        tags = [t for t in str(form.get("tags", "")).split(",") if t]
        self.uploads.append(
            {"name": name, "data": data, "tags": tags, "domain": form.get("domain")}
        )
        if name in self.refuse:
            result = {"file": name, "status": "error", "error": {"message": "unreadable"}}
            body = {"error": {"message": "nothing ingested"}, "results": [result]}
            return web.json_response(body, status=422)
        doc_id = f"doc-{len(self.documents) + 1}-{abs(hash((name, data))) % 10000}"
        status = "ingested"
        for existing_id, doc in self.documents.items():
            if doc["source"] == name:
                doc_id, status = existing_id, "unchanged"
        self.add(doc_id, name, tags)
        result = {"file": name, "status": status, "document_id": doc_id, "chunks": 3}
        return web.json_response({"object": "ingest.result", "ingested": 1, "results": [result]})
