"""The development API key: generated once, kept in a git-ignored file readable only by you."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

KEY_FILE = "dev-api-key"


def ensure_dev_key(home: Path) -> tuple[str, Path]:
    """Return the stack's dev key (creating it on first use) and the file that holds it."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / KEY_FILE
    if path.exists():
        key = path.read_text(encoding="utf-8").strip()
        if key:
            return key, path
    key = "sk-aistack-dev-" + secrets.token_urlsafe(24)
    # O_EXCL-free but 0600 from the start: never world-readable, not even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key, path
