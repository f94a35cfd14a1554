"""Refuse request bodies over the cap with 413, before they are read into memory."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.kit.errors import PayloadTooLargeError, error_response


def _too_large(limit: int) -> PayloadTooLargeError:
    return PayloadTooLargeError(
        f"request body exceeds the gateway's limit of {limit} bytes (GATEWAY_MAX_BODY_BYTES); "
        "send less context"
    )


class BodySizeLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                err = _too_large(self.max_bytes)
                await error_response(err.status_code, err.body())(scope, receive, send)
                return
        received = 0

        async def counting_receive() -> Message:
            # Chunked uploads carry no length: count as they arrive.
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _too_large(self.max_bytes)
            return message

        await self.app(scope, counting_receive, send)
