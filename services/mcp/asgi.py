"""ASGI glue between the SDK's endpoints and the kit."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class PlainStatus:
    """Hand the kit plain ``int`` statuses.

    The SDK answers with ``HTTPStatus`` members, which the kit's access log and metrics would
    show as ``<HTTPStatus.OK: 200>`` and label as ``HTTPStatus.OK``.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_plain(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["status"] = int(message["status"])
            await send(message)

        await self.app(scope, receive, send_plain)
