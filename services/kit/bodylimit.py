"""Refuse request bodies over a cap with 413, before they are read into memory.

Used by every service that accepts bodies; ``variable`` names the setting that holds the cap,
so the error tells the operator what to change.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.kit.errors import PayloadTooLargeError, error_response


def _too_large(limit: int, variable: str) -> PayloadTooLargeError:
    return PayloadTooLargeError(
        f"request body exceeds the limit of {limit} bytes ({variable}); send less"
    )


class BodySizeLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int, variable: str) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.variable = variable

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                err = _too_large(self.max_bytes, self.variable)
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
                    raise _too_large(self.max_bytes, self.variable)
            return message

        await self.app(scope, counting_receive, send)
