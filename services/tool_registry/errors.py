"""The tool registry's errors: each a kit error, so it renders as an OpenAI error body.

NotFoundError (404)
 └── UnknownToolError        code tool_not_found: no tool of that name (now)
InvalidRequestError (400)
 └── ArgumentsError (422)    code invalid_arguments: the arguments fail the tool's schema;
                             the body's ``errors`` lists every problem with its JSON path
UpstreamTimeoutError (504)
 └── ToolTimeoutError        code tool_timeout: the tool ran past its limit and was stopped

Loading problems are not exceptions a request sees: :class:`PluginError` is raised while
loading a plugin file and ends up in ``GET /tools/errors``.
A tool that fails while running is not an error of the request either: the invoke answers 200
with ``is_error: true`` and the error text, for the model to read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.kit.errors import InvalidRequestError, NotFoundError, UpstreamTimeoutError


class UnknownToolError(NotFoundError):
    default_code = "tool_not_found"


@dataclass(frozen=True)
class ArgumentProblem:
    """One schema failure: where (a JSON path such as ``$.pressure``) and what."""

    path: str
    message: str
    type: str = "invalid"

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message, "type": self.type}

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ArgumentsError(InvalidRequestError):
    status_code = 422
    default_code = "invalid_arguments"

    def __init__(self, tool: str, problems: list[ArgumentProblem]) -> None:
        listed = "; ".join(str(p) for p in problems)
        first = problems[0].path.removeprefix("$.") if problems else None
        super().__init__(f"invalid arguments for tool '{tool}': {listed}", param=first or None)
        self.tool = tool
        self.problems = problems

    def body(self) -> dict[str, Any]:
        body = super().body()
        body["error"]["errors"] = [p.as_dict() for p in self.problems]
        return body


class ToolTimeoutError(UpstreamTimeoutError):
    default_code = "tool_timeout"


class PluginError(Exception):
    """A plugin file or hook that cannot be turned into tools (reported, never raised to
    requests)."""


def json_path(location: tuple[Any, ...] | list[Any]) -> str:
    """``("a", 0, "b")`` → ``$.a[0].b``."""
    path = "$"
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path
