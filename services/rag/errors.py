"""The rag-api's own errors, on top of the kit's tree (services/kit/errors.py).

    ServiceError (kit)
     ├── InvalidRequestError (kit)                400
     │    ├── UnsupportedFileTypeError            415 unsupported_file_type
     │    └── UnreadableFileError                 422 unreadable_file (empty, corrupt, no text)
     └── PayloadTooLargeError (kit)               413 payload_too_large
    StoreConfigError (a SettingsError)            start-up: the collection does not match
    StoreUnavailableError (a SettingsError)       start-up: Qdrant did not answer in time

Per-file ingest failures are raised as these classes and reported as entries of the batch
result; the batch as a whole fails only when every file does.
"""

from __future__ import annotations

from services.kit.errors import InvalidRequestError
from services.kit.settings import SettingsError


class UnsupportedFileTypeError(InvalidRequestError):
    status_code = 415
    default_code = "unsupported_file_type"


class UnreadableFileError(InvalidRequestError):
    status_code = 422
    default_code = "unreadable_file"


class StoreUnavailableError(SettingsError):
    """The Qdrant server (QDRANT_URL) did not answer within RAG_QDRANT_WAIT_S at start-up."""


class StoreConfigError(SettingsError):
    """The existing collection's vectors differ from what the settings ask for.

    A SettingsError, so ``python -m services.rag`` prints it as one line and exits 2.
    """
