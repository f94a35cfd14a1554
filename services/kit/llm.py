"""One OpenAI-compatible client for every LLM runner: llama.cpp, Ollama, vLLM or any OpenAI URL.

The runners differ only in where they listen and what their model is called; this module turns
the settings into those two facts and maps the runner's failures onto the kit's error tree, so
callers never see a transport exception.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import openai
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from services.kit.errors import (
    InvalidRequestError,
    UpstreamError,
    UpstreamTimeoutError,
    UpstreamUnavailableError,
)
from services.kit.settings import LLMBackend, StackSettings
from services.kit.tracing import inject_trace_headers

# Where each runner listens when LLM_BASE_URL is not set.
_DEFAULT_URLS = {
    LLMBackend.OLLAMA: "http://127.0.0.1:11434/v1",
    LLMBackend.VLLM: "http://127.0.0.1:8001/v1",
    LLMBackend.OPENAI: "https://api.openai.com/v1",
}


def llm_base_url(settings: StackSettings) -> str:
    """The runner's OpenAI base URL (ending in ``/v1``)."""
    if settings.llm_base_url:
        return settings.llm_base_url.rstrip("/")
    if settings.llm_backend == LLMBackend.LLAMACPP:
        return f"http://{settings.peer_host}:{settings.llamacpp_port}/v1"
    return _DEFAULT_URLS[settings.llm_backend]


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
    """Chat completions against the configured runner.

    Raises (from every call): :class:`UpstreamUnavailableError` when the runner cannot be
    reached, :class:`UpstreamTimeoutError` when it does not answer in time,
    :class:`InvalidRequestError` when it rejects the request (e.g. context too long) and
    :class:`UpstreamError` for any other failure it reports.
    """

    def __init__(self, settings: StackSettings, *, max_retries: int = 0) -> None:
        self.backend = settings.llm_backend
        self.base_url = llm_base_url(settings)
        self._model = configured_model(settings)
        if self.backend == LLMBackend.OPENAI and not settings.llm_api_key:
            from services.kit.settings import SettingsError

            raise SettingsError("LLM_API_KEY must be set when LLM_BACKEND=openai")
        self._client = openai.AsyncOpenAI(
            base_url=self.base_url,
            # Local runners ignore the key, but the client insists on one.
            api_key=settings.llm_api_key or "not-needed",
            timeout=openai.Timeout(
                connect=settings.http_connect_timeout_s,
                read=settings.http_read_timeout_s,
                write=settings.http_write_timeout_s,
                pool=settings.http_pool_timeout_s,
            ),
            # Retrying is the caller's decision: a retried stream would repeat tokens.
            max_retries=max_retries,
        )

    async def aclose(self) -> None:
        await self._client.close()

    async def model(self) -> str:
        """The runner's model id, discovered once from ``/v1/models`` when not configured."""
        if self._model is None:
            with self._mapped_errors():
                page = await self._client.models.list(extra_headers=inject_trace_headers({}))
            if not page.data:
                raise UpstreamError(f"the LLM runner at {self.base_url} serves no model")
            self._model = page.data[0].id
        return self._model

    async def ping(self) -> None:
        """Readiness: the runner answers ``/v1/models``."""
        with self._mapped_errors():
            await self._client.models.list(extra_headers=inject_trace_headers({}))

    async def complete(self, messages: list[dict[str, Any]], **params: Any) -> ChatCompletion:
        model = await self.model()
        with self._mapped_errors():
            return await self._client.chat.completions.create(
                model=model,
                messages=messages,  # type: ignore[arg-type]
                stream=False,
                extra_headers=inject_trace_headers({}),
                **params,
            )

    async def stream(
        self, messages: list[dict[str, Any]], *, include_usage: bool = False, **params: Any
    ) -> AsyncIterator[ChatCompletionChunk]:
        """Yield the runner's chunks. The connection is made before the first yield, so a
        runner that is down raises here, before any byte reaches the client."""
        model = await self.model()
        with self._mapped_errors():
            response = await self._client.chat.completions.create(
                model=model,
                messages=messages,  # type: ignore[arg-type]
                stream=True,
                stream_options={"include_usage": True} if include_usage else None,
                extra_headers=inject_trace_headers({}),
                **params,
            )
        try:
            with self._mapped_errors():
                async for chunk in response:
                    yield chunk
        finally:
            await response.close()

    @contextmanager
    def _mapped_errors(self) -> Iterator[None]:
        where = f"the LLM runner ({self.backend.value}) at {self.base_url}"
        try:
            yield
        except openai.APITimeoutError:
            raise UpstreamTimeoutError(f"{where} did not answer in time") from None
        except openai.APIConnectionError as exc:
            raise UpstreamUnavailableError(
                f"{where} is unreachable ({exc.__cause__ or exc}); is it running?"
            ) from None
        except openai.APIStatusError as exc:
            detail = _upstream_message(exc)
            if 400 <= exc.status_code < 500 and exc.status_code not in (401, 403, 429):
                raise InvalidRequestError(f"{where} rejected the request: {detail}") from None
            raise UpstreamError(f"{where} answered {exc.status_code}: {detail}") from None


def _upstream_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"])
    return exc.message
