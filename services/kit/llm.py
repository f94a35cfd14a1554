"""One OpenAI-compatible client for every LLM runner: llama.cpp, Ollama, vLLM or any OpenAI URL.

The runners differ only in where they listen and what their model is called; this module turns
the settings into those two facts and maps the runner's failures onto the kit's error tree, so
callers never see a transport exception.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import orjson

from services.kit.errors import UpstreamError
from services.kit.peer import JSON_HEADERS, PeerClient
from services.kit.settings import LLMBackend, SettingsError, StackSettings

if TYPE_CHECKING:
    from services.kit.models import ModelRoute

# Where each runner listens when LLM_BASE_URL is not set.
_DEFAULT_URLS = {
    LLMBackend.OLLAMA: "http://127.0.0.1:11434/v1",
    LLMBackend.VLLM: "http://127.0.0.1:8001/v1",
    LLMBackend.OPENAI: "https://api.openai.com/v1",
}


def default_llm_base_url(settings: StackSettings, backend: LLMBackend) -> str:
    """Where ``backend`` listens by default (llama.cpp: the stack's embedded llama-server)."""
    if backend == LLMBackend.LLAMACPP:
        return f"http://{settings.peer_host}:{settings.llamacpp_port}/v1"
    return _DEFAULT_URLS[backend]


def llm_base_url(settings: StackSettings) -> str:
    """The runner's OpenAI base URL (ending in ``/v1``)."""
    if settings.llm_base_url:
        return settings.llm_base_url.rstrip("/")
    return default_llm_base_url(settings, settings.llm_backend)


def configured_model(settings: StackSettings) -> str | None:
    """The runner's model id from settings; None means "ask the runner" (llama.cpp)."""
    if settings.llm_model:
        return settings.llm_model
    if settings.llm_backend == LLMBackend.OLLAMA:
        return settings.ollama_model
    if settings.llm_backend == LLMBackend.VLLM:
        return settings.vllm_model
    return None


class LLMClient:
    """Chat completions against the configured runner, over the OpenAI wire protocol.

    Speaks HTTP directly (the kit's peer client: timeouts, trace propagation) and hands back
    the runner's JSON as dicts: no per-chunk model objects on the hot path.

    Raises (from every call) what the kit's peer layer maps the runner's answer to:
    :class:`UpstreamUnavailableError` when the runner cannot be reached,
    :class:`UpstreamTimeoutError` when it does not answer in time,
    :class:`~services.kit.peer.PeerRejectedError` (its 4xx) when it rejects the request
    (e.g. context too long) and :class:`UpstreamError` for any other failure it reports.
    """

    def __init__(self, settings: StackSettings, route: ModelRoute | None = None) -> None:
        """``route``: a runner from the model table (services/kit/models.py); by default the
        one the settings configure."""
        if route is None:
            self.backend = settings.llm_backend
            self.base_url = llm_base_url(settings)
            self._model = configured_model(settings)
        else:
            self.backend, self.base_url, self._model = route.backend, route.base_url, route.model
        if self.backend == LLMBackend.OPENAI and not settings.llm_api_key:
            raise SettingsError("LLM_API_KEY must be set when LLM_BACKEND=openai")
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else ""
        auth = {"Authorization": f"Bearer {key}"} if key else {}
        self._client = PeerClient(
            settings,
            self.base_url,
            name=f"the LLM runner ({self.backend.value})",
            headers=auth,
            # A runner is not one of the stack's services: it never gets the service token.
            service_token=False,
        )
        self._peer = self._client.peer

    async def aclose(self) -> None:
        await self._client.aclose()

    async def model(self) -> str:
        """The runner's model id, discovered once from ``/v1/models`` when not configured."""
        if self._model is None:
            data = (await self._get_models()).get("data") or []
            if not data:
                raise UpstreamError(f"{self._peer} serves no model")
            self._model = str(data[0]["id"])
        return self._model

    async def ping(self) -> None:
        """Readiness: the runner answers ``/v1/models``."""
        await self._get_models()

    async def _get_models(self) -> dict[str, Any]:
        return dict((await self._client.get("/models")).raise_for_status().json())

    def _body(self, model: str, messages: list[dict[str, Any]], **params: Any) -> bytes:
        return orjson.dumps({"model": model, "messages": messages, **params})

    async def complete(self, messages: list[dict[str, Any]], **params: Any) -> dict[str, Any]:
        """A non-streamed completion: the runner's JSON body."""
        body = self._body(await self.model(), messages, stream=False, **params)
        response = await self._client.post("/chat/completions", body=body, headers=JSON_HEADERS)
        return dict(response.raise_for_status().json())

    async def stream(
        self, messages: list[dict[str, Any]], *, include_usage: bool = False, **params: Any
    ) -> AsyncIterator[dict[str, Any]]:
        """Yield the runner's chunks as dicts. The request is made before the first yield, so
        a runner that is down raises here, before any byte reaches the client."""
        extra = {"stream_options": {"include_usage": True}} if include_usage else {}
        body = self._body(await self.model(), messages, stream=True, **extra, **params)
        stream = await self._client.open(
            "POST", "/chat/completions", body=body, headers=JSON_HEADERS
        )
        await stream.raise_for_status()
        try:
            async for line in stream.lines():
                if not line.startswith(b"data:"):
                    continue  # blank separators and ": comment" keep-alives
                data = line[5:].strip()
                if data == b"[DONE]":
                    break
                chunk = orjson.loads(data)
                if "error" in chunk and "choices" not in chunk:
                    raise UpstreamError(f"{self._peer} failed mid-stream: {_message(chunk)}")
                yield chunk
        finally:
            # Closing drops the connection: a runner still generating sees the client leave.
            stream.close()


def _message(body: Any) -> str:
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"])
        if isinstance(err, str):
            return err
    return str(body)[:200]
