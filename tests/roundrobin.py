"""A loopback round-robin proxy: each request goes to the next upstream in turn, as a
Kubernetes Service without session affinity may send it, and ``served`` records which one."""

from __future__ import annotations

from tests.mcp_conformance import HeaderProxy


class RoundRobinProxy(HeaderProxy):
    def __init__(self, upstreams: list[str]) -> None:
        super().__init__(upstreams)
