"""The tool registry as seen from the orchestrator (services/tool_registry's API)."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

import orjson

from services.kit.peer import PeerClient, PeerRejectedError
from services.orchestrator.tools.model import ServerTool, ToolOutcome, public_name

NAMESPACE = "tools"


def _quantities(entry: dict[str, Any]) -> dict[str, str]:
    """Parameter → quantity kind, from the entry's ``quantities`` (or the schema's hints)."""
    declared = entry.get("quantities")
    if isinstance(declared, dict):
        return {str(k): str(v) for k, v in declared.items()}
    return {}


def server_tool(entry: dict[str, Any]) -> ServerTool:
    function = entry["function"]
    parameters = dict(function.get("parameters") or {})
    return ServerTool(
        public=public_name(NAMESPACE, function["name"]),
        origin=NAMESPACE,
        target=function["name"],
        description=str(function.get("description") or ""),
        parameters=parameters,
        quantities=_quantities(entry),
        required=tuple(parameters.get("required") or ()),
    )


def _text(content: Any) -> str:
    return content if isinstance(content, str) else orjson.dumps(content).decode()


class ToolRegistry:
    """``GET /tools`` and ``POST /tools/{name}/invoke`` through the kit's peer layer."""

    def __init__(self, client: PeerClient) -> None:
        self.client = client

    @property
    def peer(self) -> str:
        return self.client.peer

    async def list(self) -> list[ServerTool]:
        """The registry's tools. Raises the kit's peer errors when it cannot answer."""
        body = (await self.client.get("/tools")).raise_for_status().json()
        return [server_tool(e) for e in body.get("tools", []) if isinstance(e, dict)]

    async def invoke(self, name: str, arguments: dict[str, Any], timeout_s: float) -> ToolOutcome:
        """Run ``name``. A failing tool, or arguments the registry refuses (422, listing each
        error), is an outcome the model reads; an unreachable registry raises."""
        started = time.perf_counter()
        try:
            response = await self.client.post(
                f"/tools/{quote(name, safe='')}/invoke",
                json={"arguments": arguments},
                read_timeout_s=timeout_s,
            )
            body = response.raise_for_status().json()
        except PeerRejectedError as exc:
            elapsed = (time.perf_counter() - started) * 1000
            return ToolOutcome(exc.message, None, True, elapsed)
        elapsed = (time.perf_counter() - started) * 1000
        content = body.get("content")
        return ToolOutcome(_text(content), content, bool(body.get("is_error")), elapsed)
