"""OpenAI Chat Completions request shapes shared by the gateway and the orchestrator.

Validation is deliberately narrow: the fields we act on are typed, everything else a client may
send (``store``, ``metadata``, ``prompt_cache_retention`` ...) is accepted and ignored, as
OpenAI clients expect.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["system", "developer", "user", "assistant", "tool", "function"]


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Role
    content: str | list[dict[str, Any]] | None = None
    name: str | None = None
    tool_call_id: str | None = None
    tool_calls: list[dict[str, Any]] | None = None


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")

    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    model: str = Field(min_length=1)
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, ge=0, le=1)
    stop: str | list[str] | None = None
    seed: int | None = None
    n: int | None = Field(default=None, ge=1, le=1)
    presence_penalty: float | None = Field(default=None, ge=-2, le=2)
    frequency_penalty: float | None = Field(default=None, ge=-2, le=2)
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    response_format: dict[str, Any] | None = None
    user: str | None = None
    # Set by the gateway only (quantities in SI, requested units, constraints); see
    # services/gateway/conditioning. Never forwarded to the LLM runner.
    conditioning: dict[str, Any] | None = None

    @property
    def include_usage(self) -> bool:
        return bool(self.stream and self.stream_options and self.stream_options.include_usage)

    # The sampling fields forwarded to the runner; anything else is ours or ignored.
    FORWARDED: ClassVar[tuple[str, ...]] = (
        "max_tokens",
        "max_completion_tokens",
        "temperature",
        "top_p",
        "stop",
        "seed",
        "presence_penalty",
        "frequency_penalty",
        "tools",
        "tool_choice",
        "response_format",
    )

    def sampling_params(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.FORWARDED if getattr(self, k) is not None}


def last_user_text(messages: list[dict[str, Any]]) -> str:
    """The text of the last user message (text parts joined); '' when there is none."""
    for message in reversed(messages):
        if message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, str):
            return content
        if isinstance(content, list):
            return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def require_published_model(model: str, published: list[str]) -> None:
    """Raise 404 ``model_not_found`` unless ``model`` is one of the published ids."""
    from services.kit.errors import NotFoundError

    if model not in published:
        raise NotFoundError(
            f"the model '{model}' does not exist; available: {', '.join(published)}",
            param="model",
            code="model_not_found",
        )


def decode_json_object(raw: bytes) -> dict[str, Any]:
    """A request body as a JSON object, or a 400 saying what is wrong with it.

    Routes on the chat path read bodies themselves (orjson) instead of declaring a model
    parameter: FastAPI would parse them again with the standard library's json.
    """
    import orjson

    from services.kit.errors import InvalidRequestError

    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidRequestError(
            f"could not parse the JSON body ({exc}); send valid JSON"
        ) from None
    if not isinstance(body, dict):
        raise InvalidRequestError("the request body must be a JSON object")
    return body


M = TypeVar("M", bound=BaseModel)


def validate_model(model: type[M], body: dict[str, Any]) -> M:
    """Validate a decoded body; problems become the same 400s FastAPI's validation gives."""
    from fastapi.exceptions import RequestValidationError
    from pydantic import ValidationError

    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
        ) from None


def validate_chat_request(body: dict[str, Any]) -> ChatCompletionRequest:
    """Validate a decoded chat body (see :func:`validate_model`)."""
    return validate_model(ChatCompletionRequest, body)
