"""The reference the gateway's latency target is stated against: a bare pass-through hop.

Starlette + httpx on uvicorn (uvloop + httptools), as in the contract guide's figures: it reads
the request body and posts it, unchanged, to the next URL; no auth, no parsing, no logging.
Two of them in a row are the "bare two-hop pass-through" (gateway → orchestrator shape) that
the guide measures at +1.4 ms on its machine. Measured in the same run as our path, it tells
how fast this machine is at the moment, which on a shared machine varies from run to run.

Run: ``python -m bench.passthrough --port 9200 --to http://127.0.0.1:9100``
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def create_app(upstream: str) -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with httpx.AsyncClient(base_url=upstream, timeout=30) as client:
            app.state.client = client
            yield

    async def forward(request: Request) -> Response:
        answer = await request.app.state.client.post(
            request.url.path,
            content=await request.body(),
            headers={"content-type": "application/json"},
        )
        return Response(answer.content, answer.status_code, media_type="application/json")

    async def health(_: Request) -> Response:
        return Response(b'{"status": "ok"}', media_type="application/json")

    routes = [
        Route("/v1/chat/completions", forward, methods=["POST"]),
        Route("/health", health),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def main() -> None:
    parser = argparse.ArgumentParser(description="bare pass-through hop (benchmark reference)")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--to", required=True, help="base URL of the next hop")
    args = parser.parse_args()
    uvicorn.run(
        create_app(args.to.rstrip("/")),
        host="127.0.0.1",
        port=args.port,
        loop="uvloop",
        http="httptools",
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
