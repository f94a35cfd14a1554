"""What the tool registry says about a plugin file: registered (name, hash) or its error.

``GET /tools`` lists each tool with its ``source`` (``yaml:<file>`` for a manifest) and
``hash``; ``GET /tools/errors`` lists the files that did not load. Both need the stack's
service token, which the kit's peer client sends.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.kit.peer import PeerClient


@dataclass(frozen=True)
class Verdict:
    """Registered (``tool`` and ``hash``) or ``error``; all None: the registry has not loaded
    the file yet (the kubelet copies ConfigMap changes within about a minute)."""

    tool: str | None = None
    hash: str | None = None
    source: str | None = None
    error: str | None = None
    # When the registry found the error (ISO 8601, UTC): an error older than the file's last
    # write is about the previous content.
    at: str | None = None

    @property
    def registered(self) -> bool:
        return self.tool is not None


async def verdict(client: PeerClient, file: str) -> Verdict:
    """The registry's view of the manifest at ``file`` (its path inside the registry's pod).

    Raises the kit's peer errors when the registry cannot be asked.
    """
    tools = (await client.get("/tools")).raise_for_status().json()
    for entry in tools.get("tools") or []:
        if entry.get("source") == f"yaml:{file}":
            name = (entry.get("function") or {}).get("name")
            return Verdict(tool=name, hash=entry.get("hash"), source=entry.get("source"))
    errors = (await client.get("/tools/errors")).raise_for_status().json()
    for problem in errors.get("errors") or []:
        if problem.get("file") == file:
            return Verdict(error=str(problem.get("error")), at=problem.get("at"))
    return Verdict()
