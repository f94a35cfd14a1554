"""One error model for every service: OpenAI-style bodies with the right status.

    ServiceError                      500 server_error
     ├── InvalidRequestError          400 invalid_request_error
     │    └── NotFoundError           404 invalid_request_error (code e.g. model_not_found)
     ├── AuthenticationError          401 invalid_request_error (code invalid_api_key)
     ├── PermissionDeniedError        403 permission_error
     ├── PayloadTooLargeError         413 invalid_request_error
     ├── RateLimitError               429 rate_limit_error
     ├── UpstreamError                502 upstream_error   (a peer answered badly)
     ├── UpstreamUnavailableError     503 service_unavailable (a peer cannot be reached)
     └── UpstreamTimeoutError         504 timeout_error

Raise these anywhere; :func:`install_error_handlers` turns them (and FastAPI's own validation
and routing errors) into ``{"error": {"message", "type", "param", "code"}}``.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import Response

from services.kit.logging import get_logger

log = get_logger(__name__)


class ServiceError(Exception):
    status_code = 500
    error_type = "server_error"
    default_code: str | None = None

    def __init__(
        self,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.code = code or self.default_code
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return error_body(self.message, self.error_type, param=self.param, code=self.code)


class InvalidRequestError(ServiceError):
    status_code = 400
    error_type = "invalid_request_error"


class NotFoundError(InvalidRequestError):
    status_code = 404


class AuthenticationError(ServiceError):
    status_code = 401
    error_type = "invalid_request_error"
    default_code = "invalid_api_key"


class PermissionDeniedError(ServiceError):
    status_code = 403
    error_type = "permission_error"


class PayloadTooLargeError(ServiceError):
    status_code = 413
    error_type = "invalid_request_error"
    default_code = "payload_too_large"


class RateLimitError(ServiceError):
    status_code = 429
    error_type = "rate_limit_error"
    default_code = "rate_limit_exceeded"


class UpstreamError(ServiceError):
    status_code = 502
    error_type = "upstream_error"
    default_code = "bad_upstream_response"


class UpstreamUnavailableError(ServiceError):
    status_code = 503
    error_type = "service_unavailable"
    default_code = "upstream_unavailable"


class UpstreamTimeoutError(ServiceError):
    status_code = 504
    error_type = "timeout_error"
    default_code = "upstream_timeout"


def error_body(
    message: str, error_type: str, *, param: str | None = None, code: str | None = None
) -> dict[str, Any]:
    return {"error": {"message": message, "type": error_type, "param": param, "code": code}}


def error_response(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> Response:
    return Response(
        orjson.dumps(body), status_code=status, media_type="application/json", headers=headers
    )


def _describe_validation(exc: RequestValidationError) -> tuple[str, str | None]:
    """First validation problem as (message, param), phrased as what to fix."""
    errors = exc.errors()
    if not errors:
        return "the request body is invalid", None
    err = errors[0]
    if err.get("type") == "json_invalid":
        detail = err.get("ctx", {}).get("error", "")
        return f"could not parse the JSON body ({detail}); send valid JSON", None
    loc = [str(part) for part in err.get("loc", ()) if part != "body"]
    param = ".".join(loc) or None
    if param is None:
        return f"the request body must be a JSON object: {err.get('msg', 'invalid')}", None
    if err.get("type") == "missing":
        return f"missing required parameter: '{param}'", param
    return f"invalid value for '{param}': {err.get('msg', 'invalid')}", param


def install_error_handlers(app: FastAPI) -> None:
    """Map every exception a request can raise onto an OpenAI error body."""

    async def on_service_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, ServiceError)
        return error_response(exc.status_code, exc.body(), exc.headers)

    async def on_validation(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        message, param = _describe_validation(exc)
        return error_response(400, error_body(message, "invalid_request_error", param=param))

    async def on_http(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        kind = "not_found_error" if exc.status_code == 404 else "invalid_request_error"
        return error_response(
            exc.status_code, error_body(str(exc.detail), kind), getattr(exc, "headers", None)
        )

    async def on_disconnect(request: Request, _: Exception) -> Response:
        # The client left (or was cut off for sending too slowly: services/kit/httpguard.py)
        # before its body arrived: nobody reads this answer, and it is not a server error.
        log.info("client disconnected before sending the whole body", path=request.url.path)
        return error_response(
            400,
            error_body("the client disconnected before the body arrived", "invalid_request_error"),
        )

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", path=request.url.path)
        return error_response(500, error_body("internal server error", "server_error"))

    app.add_exception_handler(ServiceError, on_service_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(ClientDisconnect, on_disconnect)
    app.add_exception_handler(Exception, on_unexpected)
