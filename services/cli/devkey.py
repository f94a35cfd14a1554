"""Local secrets, generated once and kept in git-ignored files readable only by you: the
development API key (users' key to the gateway) and the service token (the services' key to
each other)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

KEY_FILE = "dev-api-key"
SERVICE_TOKEN_FILE = "service-token"  # noqa: S105 - a file name, not a secret


def _ensure_secret(path: Path, prefix: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        value = path.read_text(encoding="utf-8").strip()
        if value:
            return value
    value = prefix + secrets.token_urlsafe(24)
    # O_EXCL-free but 0600 from the start: never world-readable, not even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    return value


def ensure_dev_key(home: Path) -> tuple[str, Path]:
    """Return the stack's dev key (creating it on first use) and the file that holds it."""
    path = home / KEY_FILE
    return _ensure_secret(path, "sk-aistack-dev-"), path


def ensure_service_token(home: Path) -> str:
    """The services' token to each other (created on first use; never printed)."""
    return _ensure_secret(home / SERVICE_TOKEN_FILE, "st-aistack-")


def read_service_token(home: Path) -> str | None:
    """The local stack's service token, if `aistack up` has made one."""
    path = home / SERVICE_TOKEN_FILE
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def service_headers(settings: Any) -> dict[str, str]:
    """The Authorization header for the CLI's own calls to internal services (none when the
    stack has no service token)."""
    token = settings.aistack_service_token
    return {"Authorization": f"Bearer {token.get_secret_value()}"} if token else {}
