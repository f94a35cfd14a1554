"""Read the multipart form of ``POST /v1/audio/transcriptions`` into a checked request.

Parsed by hand rather than with FastAPI ``Form`` parameters so that the size limit is enforced
before the body is read, OpenAI's ``timestamp_granularities[]`` name is understood, and unknown
fields (``include[]``, ``chunking_strategy`` ...) are ignored as OpenAI clients expect.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from starlette.datastructures import FormData, UploadFile

from services.asr.transcript import GRANULARITIES, RESPONSE_FORMATS, TranscribeOptions
from services.kit.errors import InvalidRequestError, NotFoundError


@dataclass(frozen=True)
class TranscriptionForm:
    upload: UploadFile
    model: str
    response_format: str
    granularities: frozenset[str]
    options: TranscribeOptions


def _text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidRequestError(f"'{name}' must be a text field, not a file", param=name)
    return value.strip() or None


def _temperature(form: FormData) -> float:
    raw = _text(form, "temperature")
    if raw is None:
        return 0.0
    try:
        value = float(raw)
    except ValueError:
        raise InvalidRequestError(
            f"invalid value for 'temperature': {raw!r} is not a number", param="temperature"
        ) from None
    if not 0.0 <= value <= 1.0:
        raise InvalidRequestError("'temperature' must be between 0 and 1", param="temperature")
    return value


def _granularities(form: FormData, response_format: str) -> frozenset[str]:
    values = [v for key in ("timestamp_granularities[]", "timestamp_granularities")
              for v in form.getlist(key) if isinstance(v, str)]  # fmt: skip
    chosen = frozenset(v.strip() for v in values if v.strip()) or frozenset({"segment"})
    unknown = chosen - set(GRANULARITIES)
    if unknown:
        raise InvalidRequestError(
            f"unknown timestamp granularity {sorted(unknown)[0]!r}; use 'segment' or 'word'",
            param="timestamp_granularities",
        )
    if "word" in chosen and response_format != "verbose_json":
        raise InvalidRequestError(
            "word timestamps need response_format 'verbose_json'",
            param="timestamp_granularities",
        )
    return chosen


def parse_form(form: FormData, model_ids: Collection[str] = ("whisper-1",)) -> TranscriptionForm:
    """Check the fields of a transcription request.

    Raises:
        InvalidRequestError: a missing file or an invalid field, naming it.
        NotFoundError: a model this service does not answer to (404 model_not_found).
    """
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise InvalidRequestError("missing required parameter: 'file'", param="file")
    if (_text(form, "stream") or "false").lower() == "true":
        raise InvalidRequestError("streaming transcriptions are not supported", param="stream")
    response_format = _text(form, "response_format") or "json"
    if response_format not in RESPONSE_FORMATS:
        raise InvalidRequestError(
            f"invalid response_format {response_format!r}; use one of "
            + ", ".join(RESPONSE_FORMATS),
            param="response_format",
        )
    granularities = _granularities(form, response_format)
    # One model is loaded; it answers to the names in ASR_MODEL_IDS ("whisper-1" by default,
    # so existing client code needs no change) and to its own name.
    model = _text(form, "model") or "whisper-1"
    if model not in model_ids:
        raise NotFoundError(
            f"the model '{model}' does not exist here; use one of {', '.join(sorted(model_ids))}",
            param="model",
            code="model_not_found",
        )
    return TranscriptionForm(
        upload=upload,
        model=model,
        response_format=response_format,
        granularities=granularities,
        options=TranscribeOptions(
            language=_text(form, "language"),
            prompt=_text(form, "prompt"),
            temperature=_temperature(form),
            word_timestamps="word" in granularities,
        ),
    )
