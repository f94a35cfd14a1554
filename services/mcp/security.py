"""The Host and Origin lists of the SDK's DNS-rebinding guard.

The guard refuses a request whose ``Host`` is not listed (421) or whose ``Origin``, when
present, is not listed (403). Loopback is always listed (the local stack, ``kubectl
port-forward``); ``MCP_ALLOWED_HOSTS`` adds the public ingress hostname and the in-cluster
Service name, so that the servers answer behind the ingress and refuse a foreign Host. Each
name is listed as :func:`services.kit.hosts.host_patterns` says.
"""

from __future__ import annotations

from mcp.server.transport_security import TransportSecuritySettings

from services.kit.hosts import host_patterns
from services.mcp.settings import Settings

LOOPBACK = ("127.0.0.1", "localhost", "[::1]")


def transport_security(settings: Settings) -> TransportSecuritySettings:
    """Guard settings for every domain's endpoint (see the module docstring)."""
    hosts = [*LOOPBACK, *settings.mcp_allowed_hosts]
    allowed_hosts: list[str] = []
    allowed_origins: list[str] = []
    for host in hosts:
        for form in host_patterns(host.strip().lower()):
            allowed_hosts.append(form)
            schemes = ("http",) if host in LOOPBACK else ("http", "https")
            allowed_origins += [f"{scheme}://{form}" for scheme in schemes]
    allowed_origins += [o.rstrip("/") for o in settings.mcp_allowed_origins]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=list(dict.fromkeys(allowed_hosts)),
        allowed_origins=list(dict.fromkeys(allowed_origins)),
    )
