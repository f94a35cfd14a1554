"""Host patterns for the ``mcp`` SDK's DNS-rebinding guard, shared by the MCP servers and the
tool registry's ``/mcp``.

The SDK's patterns are exact strings, and ``host:*`` requires a port; so a name without a port
is listed bare and as ``name:*``. An IPv6 literal carries colons of its own (``[fd00::1]``):
only a colon after its closing bracket is a port.
"""

from __future__ import annotations


def host_patterns(host: str) -> list[str]:
    """``host`` as the guard must list it: itself, plus ``host:*`` when it names no port."""
    has_port = host.rsplit("]", 1)[-1].count(":") == 1 if host.startswith("[") else ":" in host
    return [host] if has_port else [host, f"{host}:*"]
