"""A tiny loopback round-robin proxy: each request goes to the next upstream in turn, as a
Kubernetes Service without session affinity may send it, and ``served`` records which one."""

from __future__ import annotations

import asyncio
import threading

import aiohttp
from aiohttp import web

from tests.conftest import free_port
from tests.mcp_conformance import _HOP_BY_HOP


class RoundRobinProxy:
    def __init__(self, upstreams: list[str]) -> None:
        self.upstreams = [u.rstrip("/") for u in upstreams]
        self.served: list[int] = []
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        assert self._session is not None
        index = len(self.served) % len(self.upstreams)
        self.served.append(index)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        async with self._session.request(
            request.method,
            self.upstreams[index] + request.path_qs,
            headers=headers,
            data=await request.read(),
            allow_redirects=False,
        ) as upstream:
            body = await upstream.read()
            response = web.Response(status=upstream.status, body=body)
            for name, value in upstream.headers.items():
                if name.lower() not in _HOP_BY_HOP:
                    response.headers.add(name, value)
            return response

    async def _start(self) -> None:
        self._session = aiohttp.ClientSession(auto_decompress=False, skip_auto_headers=["Host"])
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def _stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    def __enter__(self) -> RoundRobinProxy:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(30)
        return self

    def __exit__(self, *_: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
