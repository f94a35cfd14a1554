"""``POST /v1/audio/transcriptions``: OpenAI's transcription endpoint, with tagged segments."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import BinaryIO

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.asr.api.form import TranscriptionForm, parse_form
from services.asr.deps import PipelineDep, SettingsDep
from services.asr.errors import FileTooLargeError
from services.asr.formats import Rendered
from services.asr.pipeline import TranscriptionJob, TranscriptionPipeline
from services.asr.settings import Settings
from services.kit.openapi import json_body_openapi, transcription_form

router = APIRouter(tags=["audio"])

# Room for the multipart boundaries and text fields around the file itself.
_FORM_OVERHEAD_BYTES = 64 * 1024
_CHUNK = 1024 * 1024
# How much audio the answer covers: the gateway charges the key's audio budget from it.
DURATION_HEADER = "x-audio-duration-s"


def _too_large(limit: int) -> FileTooLargeError:
    return FileTooLargeError(
        f"the file is larger than the limit of {limit} bytes ({limit / 2**20:g} MiB, "
        "ASR_MAX_UPLOAD_BYTES)",
        param="file",
    )


def check_declared_size(request: Request, limit: int) -> None:
    """Refuse from the Content-Length header, before reading the body."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + _FORM_OVERHEAD_BYTES:
        raise _too_large(limit)


def _save(source: BinaryIO, target: Path, limit: int) -> int:
    """Copy the upload to ``target`` (ffmpeg needs a seekable file: mp4 keeps its index at
    the end). Raises FileTooLargeError past ``limit`` bytes (bodies without Content-Length)."""
    size = 0
    with target.open("wb") as out:
        while chunk := source.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise _too_large(limit)
            out.write(chunk)
    return size


async def transcribe_upload(
    request: Request,
    pipeline: TranscriptionPipeline,
    settings: Settings,
    response_format: str | None = None,
) -> tuple[TranscriptionForm, Rendered]:
    """Receive the multipart upload, transcribe it, and render it (``response_format``
    overrides the form's). Shared by the transcription and the ingestion routes.

    Raises:
        InvalidRequestError (400), FileTooLargeError / AudioTooLongError (413),
        QueueFullError (503 with retry-after).
    """
    limit = settings.asr_max_upload_bytes
    check_declared_size(request, limit)
    # Refuse before receiving the upload when there is no room anyway.
    pipeline.gate.check()
    async with request.form(max_files=1, max_fields=32) as form:
        fields = parse_form(form, pipeline.model_ids(settings))
        # Everything a request writes lives in this directory, removed whatever happens.
        with tempfile.TemporaryDirectory(prefix="asr-", dir=settings.asr_tmp_dir) as tmp:
            workdir = Path(tmp)
            upload = workdir / "upload"
            await asyncio.to_thread(_save, fields.upload.file, upload, limit)
            rendered = await pipeline.run(
                TranscriptionJob(
                    path=upload,
                    workdir=workdir,
                    options=fields.options,
                    response_format=response_format or fields.response_format,
                    granularities=frozenset({"segment"})
                    if response_format
                    else fields.granularities,
                )
            )
    return fields, rendered


@router.post(
    "/v1/audio/transcriptions",
    response_model=None,
    # The form is parsed by hand (services/asr/api/form.py); documented all the same.
    openapi_extra=json_body_openapi(None, bearer=False, form=transcription_form()),
)
async def create_transcription(
    request: Request, pipeline: PipelineDep, settings: SettingsDep
) -> Response:
    """Transcribe the uploaded audio or video (multipart form, OpenAI's fields)."""
    _, rendered = await transcribe_upload(request, pipeline, settings)
    return Response(
        rendered.body,
        media_type=rendered.media_type,
        headers={DURATION_HEADER: f"{rendered.duration_s:.3f}"},
    )
