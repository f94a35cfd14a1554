"""Accept a Responses-API-shaped body on ``/v1/chat/completions`` (Cursor's agent mode sends one).

The body is translated into Chat Completions form; the answer goes back as Chat Completions,
which is what Cursor then reads. Only what maps faithfully is translated; anything that cannot
be honoured (a server-side conversation, a hosted tool) is refused with a 400 naming it.
"""

from __future__ import annotations

from typing import Any

from services.kit.errors import InvalidRequestError

_TEXT_PARTS = {"input_text", "output_text", "text"}
_SCHEMALESS = {"type": "object", "properties": {"input": {"type": "string"}}, "required": ["input"]}


def is_responses_shaped(body: dict[str, Any]) -> bool:
    return "input" in body and "messages" not in body


def _content(content: Any, where: str) -> Any:
    if content is None or isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise InvalidRequestError(f"{where}.content must be a string or a list", param=where)
    parts: list[dict[str, Any]] = []
    for index, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind in _TEXT_PARTS:
            parts.append({"type": "text", "text": part.get("text", "")})
        elif kind == "input_image":
            parts.append({"type": "image_url", "image_url": {"url": part.get("image_url", "")}})
        else:
            raise InvalidRequestError(
                f"unsupported content part type {kind!r} at {where}.content[{index}]",
                param=f"{where}.content",
            )
    if all(p["type"] == "text" for p in parts):
        return "".join(p["text"] for p in parts)
    return parts


def _messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    if body.get("instructions"):
        messages.append({"role": "system", "content": body["instructions"]})
    items = body["input"]
    if isinstance(items, str):
        return [*messages, {"role": "user", "content": items}]
    if not isinstance(items, list):
        raise InvalidRequestError("'input' must be a string or a list of items", param="input")
    for index, item in enumerate(items):
        where = f"input[{index}]"
        kind = item.get("type", "message") if isinstance(item, dict) else None
        if kind == "message":
            messages.append(
                {"role": item.get("role", "user"), "content": _content(item.get("content"), where)}
            )
        elif kind == "function_call":
            call = {
                "id": item.get("call_id") or item.get("id"),
                "type": "function",
                "function": {"name": item.get("name"), "arguments": item.get("arguments", "")},
            }
            last = messages[-1] if messages else None
            if last and last["role"] == "assistant" and "tool_calls" in last:
                last["tool_calls"].append(call)  # parallel calls share one assistant turn
            else:
                messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        elif kind in {"function_call_output", "custom_tool_call_output"}:
            output = item.get("output", "")
            messages.append(
                {
                    "role": "tool",
                    "tool_call_id": item.get("call_id"),
                    "content": output if isinstance(output, str) else str(output),
                }
            )
        elif kind == "reasoning":
            continue  # the model's earlier reasoning summary: nothing to replay
        else:
            raise InvalidRequestError(
                f"unsupported input item type {kind!r} at {where}", param=where
            )
    return messages


def _tool(tool: dict[str, Any], index: int) -> dict[str, Any]:
    kind = tool.get("type")
    if kind == "function" and "function" in tool:
        return tool  # already Chat Completions form
    if kind == "function":
        fn = {k: tool[k] for k in ("name", "description", "parameters", "strict") if k in tool}
        return {"type": "function", "function": fn}
    if kind == "custom":
        # Free-form tools (a grammar or plain text input) become a one-string-argument function.
        fn = {
            "name": tool.get("name"),
            "description": tool.get("description", ""),
            "parameters": _SCHEMALESS,
        }
        return {"type": "function", "function": fn}
    raise InvalidRequestError(
        f"tool type {kind!r} at tools[{index}] is not supported; only function tools are",
        param=f"tools[{index}]",
    )


def _tool_choice(choice: Any) -> Any:
    if isinstance(choice, dict) and choice.get("type") == "function" and "name" in choice:
        return {"type": "function", "function": {"name": choice["name"]}}
    return choice


def to_chat_body(body: dict[str, Any]) -> dict[str, Any]:
    """Translate a Responses-shaped body into a Chat Completions one.

    Raises:
        InvalidRequestError: for what cannot be honoured (``previous_response_id``, hosted
            tools, unknown item types), naming the field.
    """
    if body.get("previous_response_id"):
        raise InvalidRequestError(
            "previous_response_id is not supported: this gateway stores no conversations; "
            "send the whole conversation in 'input'",
            param="previous_response_id",
        )
    chat: dict[str, Any] = {"model": body.get("model"), "messages": _messages(body)}
    for key in ("stream", "stream_options", "temperature", "top_p", "user", "parallel_tool_calls"):
        if key in body:
            chat[key] = body[key]
    if body.get("max_output_tokens") is not None:
        chat["max_tokens"] = body["max_output_tokens"]
    if body.get("tools"):
        chat["tools"] = [_tool(t, i) for i, t in enumerate(body["tools"])]
    if "tool_choice" in body:
        chat["tool_choice"] = _tool_choice(body["tool_choice"])
    return chat
