"""The DNS-rebinding guard's host patterns, shared by the MCP servers and the registry's /mcp."""

from __future__ import annotations

import pytest

from services.kit.hosts import host_patterns
from services.tool_registry.mcp_face import transport_security
from services.tool_registry.settings import Settings


@pytest.mark.parametrize(
    ("host", "patterns"),
    [
        ("ai.example.org", ["ai.example.org", "ai.example.org:*"]),
        ("ai.example.org:8443", ["ai.example.org:8443"]),
        ("[fd00::1]", ["[fd00::1]", "[fd00::1]:*"]),
        ("[fd00::1]:8086", ["[fd00::1]:8086"]),
    ],
)
def test_a_name_without_a_port_is_listed_with_any_port_too(host: str, patterns: list[str]) -> None:
    assert host_patterns(host) == patterns


def test_the_registry_lists_a_bare_ipv6_host_with_any_port() -> None:
    # Its own copy once took the address's colons for a port and left out "[fd00::1]:*".
    hosts = transport_security(Settings(tools_mcp_allowed_hosts=["[fd00::1]"])).allowed_hosts
    assert "[fd00::1]:*" in hosts and "[fd00::1]" in hosts
