"""Status conditions (the Kubernetes convention: type, status, reason, message, time).

Every resource reports one ``Ready`` condition; its ``reason`` says which kind of trouble it is
(``ApiMissing``, ``InvalidSpec``, ``Waiting``, ``Unreachable``, ...) and ``message`` what to do.
The handlers raise ``kopf.TemporaryError`` (retried after a delay) for what heals on its own and
``kopf.PermanentError`` (no retry until the spec changes) for a bad spec, after recording the
condition here: both end up in ``kubectl get``/``describe``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

READY = "Ready"

# Reasons (CamelCase, as Kubernetes writes them).
AVAILABLE = "Available"
API_MISSING = "ApiMissing"
INVALID_SPEC = "InvalidSpec"
WAITING = "Waiting"
UNREACHABLE = "Unreachable"
FAILED = "Failed"


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def condition(
    previous: list[dict[str, Any]] | None,
    ready: bool,
    reason: str,
    message: str,
    generation: int | None = None,
) -> list[dict[str, Any]]:
    """The conditions list with ``Ready`` set; its time moves only when its status flips."""
    status = "True" if ready else "False"
    old = next((c for c in previous or [] if c.get("type") == READY), None)
    since = old["lastTransitionTime"] if old and old.get("status") == status else now()
    entry: dict[str, Any] = {
        "type": READY,
        "status": status,
        "reason": reason,
        "message": message[:1024],
        "lastTransitionTime": since,
    }
    if generation is not None:
        entry["observedGeneration"] = generation
    others = [c for c in previous or [] if c.get("type") != READY]
    return [*others, entry]
