"""Rug-pull detection: the last hash seen for every tool name, kept across restarts.

A tool's hash covers its description and parameter schema (what the model reads). When a name
comes back with another hash — a plugin edited in place, a package upgraded — the change is
logged and the tool's entry shows ``changed_at`` and ``previous_hash`` from then on. The ledger
is a small JSON file (``TOOLS_HASH_FILE``, default ``$AISTACK_HOME/tool-hashes.json``); when it
cannot be written the registry keeps it in memory and says so once.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson

from services.kit.logging import get_logger

log = get_logger(__name__)


@dataclass
class Seen:
    hash: str
    first_seen: str
    changed_at: str | None = None
    previous_hash: str | None = None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class HashLedger:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._seen: dict[str, Seen] = {}
        self._warned = False
        if path is not None and path.exists():
            try:
                raw = orjson.loads(path.read_bytes())
                self._seen = {name: Seen(**entry) for name, entry in raw.items()}
            except (OSError, ValueError, TypeError) as exc:
                log.warning(
                    "tool hash ledger unreadable; starting afresh", path=str(path), error=str(exc)
                )

    def get(self, name: str) -> Seen | None:
        return self._seen.get(name)

    def observe(self, name: str, digest: str, source: str) -> Seen:
        """Record ``digest`` for ``name``; a different one than last time is a change."""
        seen = self._seen.get(name)
        if seen is None:
            seen = self._seen[name] = Seen(digest, _now())
            return seen
        if seen.hash != digest:
            log.warning(
                "tool definition changed",
                tool=name,
                source=source,
                previous_hash=seen.hash,
                hash=digest,
            )
            seen.previous_hash, seen.hash, seen.changed_at = seen.hash, digest, _now()
        return seen

    def save(self) -> None:
        if self.path is None:
            return
        data = orjson.dumps(
            {n: asdict(s) for n, s in sorted(self._seen.items())}, option=orjson.OPT_INDENT_2
        )
        tmp: str | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Written whole or not at all: a crash mid-write must not lose the history.
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".tool-hashes-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, self.path)
        except OSError as exc:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            if not self._warned:
                log.warning(
                    "tool hash ledger not saved; kept in memory",
                    path=str(self.path),
                    error=str(exc),
                )
                self._warned = True
