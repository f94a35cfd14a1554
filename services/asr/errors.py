"""The asr-api's errors: each a kit error, so it renders as an OpenAI error body.

InvalidRequestError (400)
 ├── UnreadableMediaError     code unreadable_media: not audio/video, or corrupt
 └── NoAudioStreamError       code no_audio_stream: a container without sound
PayloadTooLargeError (413)
 ├── FileTooLargeError        code file_too_large: over ASR_MAX_UPLOAD_BYTES
 └── AudioTooLongError        code audio_too_long: over ASR_MAX_DURATION_S
UpstreamUnavailableError (503)
 └── QueueFullError           code queue_full, with a retry-after header
"""

from __future__ import annotations

from services.kit.errors import InvalidRequestError, PayloadTooLargeError, UpstreamUnavailableError


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
