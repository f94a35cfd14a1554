"""``POST /ingest``: transcribe, then store the transcript in the knowledge base (rag-api).

Multipart form: ``file`` (any audio or video), optional ``domain`` (chem | mech | materials),
``segments`` (``technical``, the default, or ``all``), ``language``, ``prompt``. Technical
segments only by default: the orchestrator retrieves hard facts, and narrative talk costs tokens.

Answer::

    {"object": "asr.ingest", "source": "lecture.mp4", "duration": 312.4,
     "segments": {"total": 58, "technical": 31, "sent": 31},
     "knowledge_base": {...rag-api's ingest result...}}
"""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile

from services.asr.api.routes.transcriptions import check_declared_size, transcribe_upload
from services.asr.deps import KnowledgeDep, PipelineDep, SettingsDep
from services.asr.knowledge import rag_documents
from services.kit.errors import InvalidRequestError
from services.kit.names import check_file_name
from services.kit.openapi import json_body_openapi, transcription_form
from services.kit.vocabulary import DOMAINS

router = APIRouter(tags=["ingest"])


# The form is parsed by hand; documented all the same.
_FORM = transcription_form(domain={"enum": list(DOMAINS)}, segments={"enum": ["technical", "all"]})


@router.post("/ingest", openapi_extra=json_body_openapi(None, bearer=False, form=_FORM))
async def ingest(
    request: Request, pipeline: PipelineDep, settings: SettingsDep, knowledge: KnowledgeDep
) -> dict[str, object]:
    # Refuse an over-size upload or a full queue before the body is read.
    check_declared_size(request, settings.asr_max_upload_bytes)
    pipeline.gate.check()
    # Starlette caches the parsed form: transcribe_upload below reuses (and closes) it.
    form = await request.form(max_files=1, max_fields=32)
    which = str(form.get("segments") or "technical")
    domain = form.get("domain")
    if which not in {"technical", "all"}:
        raise InvalidRequestError("'segments' must be 'technical' or 'all'", param="segments")
    if domain is not None and domain not in DOMAINS:
        raise InvalidRequestError(f"'domain' must be one of {', '.join(DOMAINS)}", param="domain")
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        # The name becomes the passages' source in rag-api: refused there too, but before
        # the transcription here.
        check_file_name(upload.filename, "file")
    fields, rendered = await transcribe_upload(request, pipeline, settings, "verbose_json")
    transcript = orjson.loads(rendered.body)
    segments = transcript.get("segments") or []
    source = fields.upload.filename or "upload"
    documents = rag_documents(segments, source, which, str(domain) if domain else None)
    stored = await knowledge.ingest(documents) if documents else {"ingested": 0, "results": []}
    return {
        "object": "asr.ingest",
        "source": source,
        "duration": transcript.get("duration"),
        "segments": {
            "total": len(segments),
            "technical": sum(s.get("tag") == "technical" for s in segments),
            "sent": sum(len(d["segments"]) for d in documents),
        },
        "knowledge_base": stored,
    }
