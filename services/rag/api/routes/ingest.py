"""``POST /ingest``: add files or texts to the knowledge store.

Two forms:

* ``multipart/form-data``: one or more ``files`` parts (.txt, .md, .html, .pdf), and optional
  fields ``domain`` (chem | mech | materials; classified from the text when absent),
  ``metadata`` (a JSON object merged into every chunk's meta) and ``tags`` (comma-separated).
* ``application/json``: ``{"documents": [{"source", "text" | "segments": [{"text", "start",
  "end"}], "domain"?, "metadata"?, "tags"?}], "domain"?, "metadata"?, "tags"?}``. Segments are
  transcript pieces with times in seconds; chunks then cite ``start_s``/``end_s``.

Answer (200 when at least one item was ingested or was already there)::

    {"object": "ingest.result", "ingested": 2, "errors": 1,
     "results": [{"file", "status": "ingested" | "unchanged", "document_id", "chunks",
                  "new_chunks"},
                 {"file", "status": "error", "error": {"message", "type", "param", "code",
                                                      "status"}}]}

Re-sending the same file is a no-op (``unchanged``); re-sending a batch after a crash ingests
what is missing. When every item fails the status is that of the errors (415 unsupported type,
422 empty/corrupt, 413 over ``RAG_MAX_FILE_BYTES``; 400 when they differ) with the usual error
body plus ``results``. A request over ``RAG_MAX_REQUEST_BYTES`` is refused with 413 unread.
"""

from __future__ import annotations

import json
from typing import Any

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from services.kit.errors import InvalidRequestError, error_body, error_response
from services.kit.openapi import FILE_PART, form_schema, json_body_openapi
from services.rag.api.schemas import Domain, IngestRequest
from services.rag.deps import EngineDep, SettingsDep
from services.rag.ingest import IngestItem, ItemResult
from services.rag.settings import Settings

router = APIRouter(tags=["ingest"])
_DOMAINS = set(Domain.__args__)  # type: ignore[attr-defined]


def _form_options(form: Any) -> tuple[str | None, dict[str, Any], list[str]]:
    domain = form.get("domain") or None
    if domain is not None and domain not in _DOMAINS:
        raise InvalidRequestError(
            f"domain must be one of {', '.join(sorted(_DOMAINS))}", param="domain"
        )
    metadata: dict[str, Any] = {}
    if form.get("metadata"):
        try:
            metadata = json.loads(form["metadata"])
        except json.JSONDecodeError as exc:
            raise InvalidRequestError(f"metadata is not JSON: {exc}", param="metadata") from None
        if not isinstance(metadata, dict):
            raise InvalidRequestError("metadata must be a JSON object", param="metadata")
    tags = [t.strip() for t in str(form.get("tags") or "").split(",") if t.strip()]
    return domain, metadata, tags


async def _read_capped(upload: UploadFile, cap: int) -> tuple[bytes, int]:
    """The file's bytes, stopping one byte past the cap (its size is then reported as such)."""
    data = await upload.read(cap + 1)
    return data, len(data)


async def _multipart_items(request: Request, settings: Settings) -> list[IngestItem]:
    form = await request.form(max_files=settings.rag_max_files, max_fields=32)
    domain, metadata, tags = _form_options(form)
    uploads = [f for f in form.getlist("files") if isinstance(f, UploadFile)]
    if not uploads:
        raise InvalidRequestError("no files: send one or more 'files' parts", param="files")
    items = []
    for upload in uploads:
        data, size = await _read_capped(upload, settings.rag_max_file_bytes)
        items.append(
            IngestItem(
                name=upload.filename or "upload",
                data=data,
                content_type=upload.content_type,
                domain=domain,
                meta=dict(metadata),
                tags=list(tags),
                size=size,
            )
        )
    return items


async def _json_items(request: Request, settings: Settings) -> list[IngestItem]:
    try:
        body = IngestRequest.model_validate_json(await request.body())
    except ValidationError as exc:
        err = exc.errors()[0]
        param = ".".join(str(p) for p in err["loc"]) or None
        raise InvalidRequestError(f"invalid ingest body: {err['msg']}", param=param) from None
    if len(body.documents) > settings.rag_max_files:
        raise InvalidRequestError(
            f"at most {settings.rag_max_files} documents per request (RAG_MAX_FILES)",
            param="documents",
        )
    items = []
    for doc in body.documents:
        if not doc.text and not doc.segments:
            items.append(IngestItem(name=doc.source, text=""))
            continue
        items.append(
            IngestItem(
                name=doc.source,
                text=doc.text,
                segments=[s.model_dump() for s in doc.segments] if doc.segments else None,
                domain=doc.domain or body.domain,
                meta={**body.metadata, **doc.metadata},
                tags=doc.tags or body.tags,
            )
        )
    return items


def _answer(results: list[ItemResult]) -> Response:
    entries = [r.as_json() for r in results]
    errors = [r.error for r in results if r.error is not None]
    if errors and len(errors) == len(results):
        statuses = {e.status_code for e in errors}
        status = statuses.pop() if len(statuses) == 1 else 400
        codes = {e.code for e in errors}
        message = "; ".join(e.message for e in errors)
        body = error_body(
            f"nothing ingested: {message}",
            "invalid_request_error",
            param="files",
            code=codes.pop() if len(codes) == 1 else None,
        )
        return error_response(status, {**body, "results": entries})
    return JSONResponse(
        {
            "object": "ingest.result",
            "ingested": len(results) - len(errors),
            "errors": len(errors),
            "results": entries,
        }
    )


# Both forms are read by hand (by content type); both documented.
_FORM = form_schema(
    {
        "files": {"type": "array", "items": FILE_PART},
        "domain": {"enum": sorted(_DOMAINS)},
        "metadata": {"type": "string", "description": "a JSON object"},
        "tags": {"type": "string", "description": "comma-separated"},
    },
    required=("files",),
)


@router.post(
    "/ingest",
    response_model=None,
    openapi_extra=json_body_openapi(IngestRequest, bearer=False, form=_FORM),
)
async def ingest(request: Request, engine: EngineDep, settings: SettingsDep) -> Response:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "multipart/form-data":
        items = await _multipart_items(request, settings)
    elif kind == "application/json":
        items = await _json_items(request, settings)
    else:
        raise InvalidRequestError(
            "send multipart/form-data with 'files' parts, or application/json with 'documents'"
        )
    results = await anyio.to_thread.run_sync(engine.ingestor.ingest, items)
    return _answer(results)
