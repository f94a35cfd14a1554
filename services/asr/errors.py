"""The asr-api's errors: each a kit error, so it renders as an OpenAI error body.

InvalidRequestError (400)
 ├── UnreadableMediaError     code unreadable_media: not audio/video, or corrupt
 └── NoAudioStreamError       code no_audio_stream: a container without sound
PayloadTooLargeError (413)
 ├── FileTooLargeError        code file_too_large: over ASR_MAX_UPLOAD_BYTES
 └── AudioTooLongError        code audio_too_long: over ASR_MAX_DURATION_S
UpstreamUnavailableError (503)
 └── QueueFullError           code queue_full, with a retry-after header
ServiceError (500)
 └── MediaToolError           ffmpeg/ffprobe missing or timed out (the server's fault)
SettingsError (start-up: one line on stderr, exit status 2)
 ├── ModelLoadError           ASR_MODEL cannot be loaded (a path: never a fallback)
 └── MissingToolError         ffmpeg/ffprobe not installed (ASR_FFMPEG_PATH / ASR_FFPROBE_PATH)
"""

from __future__ import annotations

from services.kit.errors import (
    InvalidRequestError,
    PayloadTooLargeError,
    ServiceError,
    UpstreamUnavailableError,
)
from services.kit.settings import SettingsError


class UnreadableMediaError(InvalidRequestError):
    default_code = "unreadable_media"


class NoAudioStreamError(InvalidRequestError):
    default_code = "no_audio_stream"


class FileTooLargeError(PayloadTooLargeError):
    default_code = "file_too_large"


class AudioTooLongError(PayloadTooLargeError):
    default_code = "audio_too_long"


class QueueFullError(UpstreamUnavailableError):
    default_code = "queue_full"


class MediaToolError(ServiceError):
    """ffmpeg/ffprobe is missing or timed out: the server's fault, not the upload's (500)."""


class ModelLoadError(SettingsError):
    """ASR_MODEL names a model that cannot be loaded (a missing or bad directory, or a name
    while ASR_MODEL_FALLBACK is off)."""


class MissingToolError(SettingsError):
    """ffmpeg or ffprobe is not installed where the settings say."""
