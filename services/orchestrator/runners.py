"""The LLM runners a chat can go to: one client per runner in the model table
(services/kit/models.py), picked by the model id the chat asks for."""

from __future__ import annotations

from typing import Any, Protocol

from services.kit.llm import LLMClient
from services.kit.models import ModelRoute, ModelTable
from services.kit.schemas import require_published_model
from services.orchestrator.settings import Settings


class Runners(Protocol):
    def client_for(self, model_id: str) -> Any: ...

    def tool_capable(self, model_id: str) -> bool: ...


class RunnerPool:
    """Clients made on first use and kept per runner; routes that share a runner share its
    client (all closed with ``aclose``)."""

    def __init__(self, settings: Settings, table: ModelTable) -> None:
        self.settings = settings
        self.table = table
        self._clients: dict[tuple[str, str, str | None], LLMClient] = {}

    def _route(self, model_id: str) -> ModelRoute:
        route = self.table.route(model_id)
        if route is None:
            require_published_model(model_id, self.table.ids())  # the 404 naming the model
            raise AssertionError(model_id)  # (route() and ids() read the same table)
        return route

    def client_for(self, model_id: str) -> LLMClient:
        route = self._route(model_id)
        client = self._clients.get(route.runner)
        if client is None:
            client = self._clients[route.runner] = LLMClient(self.settings, route)
        return client

    def tool_capable(self, model_id: str) -> bool:
        return self.settings.tool_calling_for(self._route(model_id).backend)

    async def ping(self) -> None:
        """Readiness: the first model's runner answers."""
        await self.client_for(self.table.ids()[0]).ping()

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()


class SingleRunner:
    """Every id on one injected client (tests, benchmarks)."""

    def __init__(self, llm: Any, tool_capable: bool = False) -> None:
        self.llm = llm
        self._tools = tool_capable

    def client_for(self, model_id: str) -> Any:
        return self.llm

    def tool_capable(self, model_id: str) -> bool:
        return self._tools
