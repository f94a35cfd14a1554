"""``POST /v1/audio/transcriptions``: asr-api's transcriptions at the one address.

The multipart upload is relayed to asr-api as it arrives (never buffered whole: recordings
are large), under its own size cap (GATEWAY_MAX_AUDIO_BYTES). The key is charged one request
up front and the audio's length afterwards (asr-api reports it in ``x-audio-duration-s``): the
length is known only once the file is decoded, so a key over its audio-seconds budget waits
for the next upload. Translations are not served: the stack's speech model transcribes only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.gateway.ratelimit import RateLimiter
from services.kit.auth import principal_of
from services.kit.errors import NotFoundError, PayloadTooLargeError
from services.kit.openapi import json_body_openapi, transcription_form
from services.kit.peer import PeerClient, raise_for_peer_status

router = APIRouter(tags=["audio"])

DURATION_HEADER = "x-audio-duration-s"
# asr-api answers transcriptions long after the upload: minutes of audio on a CPU.
TRANSCRIPTION_READ_TIMEOUT_S = 900.0


class _Upload:
    """The request body as it arrives; an over-size upload ends the relay and is remembered,
    so the client gets the gateway's 413 rather than asr-api's view of a cut-off form."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.refused: PayloadTooLargeError | None = None

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self.request.stream():
                if chunk:
                    yield chunk
        except PayloadTooLargeError as exc:
            self.refused = exc


@router.post(
    "/v1/audio/transcriptions",
    response_model=None,
    # Relayed unread to asr-api; its form is documented here all the same.
    openapi_extra=json_body_openapi(None, form=transcription_form()),
)
async def transcriptions(request: Request) -> Response:
    state = request.app.state
    principal = principal_of(request)
    limiter: RateLimiter = state.limiter
    asr: PeerClient = state.asr
    await limiter.check_audio(principal)
    await limiter.charge_request(principal)
    upload = _Upload(request)
    headers = {"content-type": request.headers.get("content-type", "multipart/form-data")}
    stream = await asr.open(
        "POST",
        "/v1/audio/transcriptions",
        body=upload.chunks(),
        headers=headers,
        read_timeout_s=TRANSCRIPTION_READ_TIMEOUT_S,
    )
    try:
        content = await stream.read()
    finally:
        stream.close()
    if upload.refused is not None:
        raise upload.refused
    raise_for_peer_status(stream.peer, stream.status, content, stream.headers, relay=True)
    duration = stream.headers.get(DURATION_HEADER)
    if duration:
        await limiter.charge_audio(principal, float(duration))
    media = stream.headers.get("content-type", "application/json")
    return Response(content, media_type=media, headers={DURATION_HEADER: duration or "0"})


@router.post("/v1/audio/translations", response_model=None)
async def translations(request: Request) -> Response:
    principal_of(request)
    raise NotFoundError(
        "audio translations are not served here: the stack's speech model transcribes (in "
        "the spoken language) but does not translate; use /v1/audio/transcriptions",
        code="unsupported_endpoint",
    )
