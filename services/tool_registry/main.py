"""App factory and lifespan for the tool registry."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.kit.app import create_service_app
from services.kit.keys import build_keyring
from services.kit.logging import get_logger
from services.tool_registry.api.routes import tools
from services.tool_registry.catalog import Catalog
from services.tool_registry.discovery import Discovery, package_version
from services.tool_registry.invoker import Invoker
from services.tool_registry.ledger import HashLedger
from services.tool_registry.mcp_face import mcp_route
from services.tool_registry.pool import WorkerPool
from services.tool_registry.reloader import Reloader
from services.tool_registry.settings import Settings, get_settings

log = get_logger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the tool registry.

    Raises:
        SettingsError: no usable API keys (checked here, so the process fails at start).
    """
    settings = settings or get_settings()
    # User keys for /mcp (Cursor); the stack's service token too (the orchestrator).
    keyring = build_keyring(settings, service=True)
    catalog = Catalog(HashLedger(settings.hash_file))
    pool = WorkerPool(
        size=settings.tools_python_workers,
        max_size=settings.tools_python_workers_max,
        memory_mb=settings.tools_memory_mb,
        max_message_bytes=settings.tools_max_output_bytes,
        start_timeout_s=max(60.0, settings.tools_load_timeout_s),
    )
    discovery = Discovery(settings, pool, settings.process_variables())
    reloader = Reloader(settings, discovery, catalog)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await pool.start()
        try:
            await reloader.start()
            log.info(
                "tool registry ready",
                tools=len(catalog),
                problems=len(catalog.problems()),
                plugins_dir=[str(d) for d in settings.plugins_dir],
            )
            _readiness(app, reloader, pool)
            async with _watching(reloader), manager.run():
                yield
        finally:
            await pool.close()

    app = create_service_app(
        "tool-registry",
        settings,
        routers=[tools.router],
        lifespan=lifespan,
        version=package_version(),
        # The tools API is internal (the orchestrator, the CLI): with AISTACK_SERVICE_TOKEN
        # set it needs that token; /mcp checks the users' keys itself.
        internal=True,
        open_prefixes=("/mcp",),
        body_limit=(settings.tools_max_body_bytes, "TOOLS_MAX_BODY_BYTES"),
    )
    invoker = Invoker(catalog, settings, app.state.metrics_registry)
    route, manager = mcp_route(catalog, invoker, settings, keyring, package_version())
    app.router.routes.append(route)
    app.state.keyring = keyring
    app.state.catalog = catalog
    app.state.invoker = invoker
    app.state.reloader = reloader
    app.state.pool = pool
    return app


def _readiness(app: FastAPI, reloader: Reloader, pool: WorkerPool) -> None:
    async def catalog() -> None:
        if not reloader.loaded:
            raise RuntimeError("plugins are still loading")

    async def workers() -> None:
        pool.check()

    app.state.readiness_checks["catalog"] = catalog
    app.state.readiness_checks["plugin_workers"] = workers


@asynccontextmanager
async def _watching(reloader: Reloader) -> AsyncIterator[None]:
    """Hot reload for as long as the app runs."""
    stop = asyncio.Event()
    watcher = asyncio.ensure_future(reloader.watch(stop))
    try:
        yield
    finally:
        stop.set()
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await watcher
