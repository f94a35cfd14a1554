"""The MCP domain servers (services/mcp) as seen from the orchestrator."""

from __future__ import annotations

import time
from typing import Any

import orjson

from services.kit.peer.mcp import McpPeer
from services.orchestrator.tools.model import ServerTool, ToolOutcome, public_name


class McpDomain:
    """One domain's MCP server (``chem``, ``mech``, ``materials``)."""

    def __init__(self, domain: str, peer: McpPeer) -> None:
        self.domain = domain
        self.peer = peer

    async def list(self) -> list[ServerTool]:
        return [
            ServerTool(
                public=public_name(self.domain, tool.name),
                origin=self.domain,
                target=tool.name,
                description=tool.description,
                parameters=tool.input_schema,
                required=tuple(tool.input_schema.get("required") or ()),
            )
            for tool in await self.peer.list_tools()
        ]

    async def invoke(self, name: str, arguments: dict[str, Any], timeout_s: float) -> ToolOutcome:
        started = time.perf_counter()
        result = await self.peer.call_tool(name, arguments, timeout_s=timeout_s)
        elapsed = (time.perf_counter() - started) * 1000
        value = result.structured
        text = result.text or (orjson.dumps(value).decode() if value is not None else "")
        return ToolOutcome(text, value, result.is_error, elapsed)
