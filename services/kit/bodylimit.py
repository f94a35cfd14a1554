"""Refuse request bodies over a cap with 413, before they are read into memory.

Used by every service that accepts bodies; ``variable`` names the setting that holds the cap,
so the error tells the operator what to change. ``routes`` gives paths under a prefix their own
cap (audio uploads need more than chat bodies).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.kit.errors import PayloadTooLargeError, error_response


def _too_large(limit: int, variable: str) -> PayloadTooLargeError:
    return PayloadTooLargeError(
        f"request body exceeds the limit of {limit} bytes ({variable}); send less"
    )


class BodySizeLimitMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        variable: str,
        routes: dict[str, tuple[int, str]] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.variable = variable
        self.routes = dict(routes or {})

    def _cap(self, path: str) -> tuple[int, str]:
        for prefix, cap in self.routes.items():
            if path.startswith(prefix):
                return cap
        return self.max_bytes, self.variable

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, variable = self._cap(scope["path"])
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                err = _too_large(limit, variable)
                await error_response(err.status_code, err.body())(scope, receive, send)
                return
        received = 0
        refused: PayloadTooLargeError | None = None
        replacing = False

        async def counting_receive() -> Message:
            # Chunked uploads carry no length: count as they arrive.
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = _too_large(limit, variable)
                    raise refused
            return message

        async def answering_send(message: Message) -> None:
            # A route that parses a model reads the body inside FastAPI, which turns any error
            # while reading into "400 There was an error parsing the body": the 413 (and the
            # variable it names) is what the client gets all the same.
            nonlocal replacing
            if refused is not None and message["type"] == "http.response.start":
                if message["status"] != refused.status_code:
                    replacing = True
                    response = error_response(refused.status_code, refused.body())
                    await response(scope, receive, send)
                    return
            if replacing:
                return
            await send(message)

        await self.app(scope, counting_receive, answering_send)
