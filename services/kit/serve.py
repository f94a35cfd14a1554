"""Process entrypoint shared by services: load settings, configure logging, build, serve.

A configuration problem ends the process with one line on stderr that names what to fix, and
exit status 2, whether it is found while reading the settings, while building the app, or in
the lifespan (a store that does not match, a model that cannot load, a missing tool): those
raise :class:`~services.kit.settings.SettingsError`, which the app factory's lifespan keeps on
``app.state.startup_error`` (services/kit/app.py). Any other start-up failure keeps its
traceback in the log and exits with status 1.

With ``DEV_RELOAD=true`` (the chart's ``devReload``, for skaffold's file sync) the same entry
point supervises a child process and restarts it when a ``.py`` file under ``services/``
changes: the child runs exactly what production runs (settings, logging, factory, lifespan).
"""

from __future__ import annotations

import functools
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import ChangeReload

from services.kit.httpguard import HttpLimits, guarded_protocol
from services.kit.logging import configure_logging
from services.kit.settings import SettingsError, StackSettings


class _QuietConfigFailure:
    """Keep a configuration error's traceback out of uvicorn's log: the one line is enough."""

    def __init__(self, app: Any) -> None:
        self.app: ASGIApp = app
        self._state = app.state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return

        async def quiet_send(message: Message) -> None:
            failed = message["type"] == "lifespan.startup.failed"
            if failed and isinstance(getattr(self._state, "startup_error", None), SettingsError):
                message = {"type": message["type"], "message": ""}
            await send(message)

        await self.app(scope, receive, quiet_send)


def serve(
    name: str, factory: Callable[[], Any], settings_loader: Callable[[], StackSettings]
) -> None:
    """Run the app built by ``factory`` with uvicorn on the service's port.

    ``factory`` and ``settings_loader`` must be module-level functions when ``DEV_RELOAD`` is
    set: the reloading child process receives them by reference.

    Exits with status 2 and one line naming the problem on a configuration error (settings,
    factory or lifespan), with status 1 on any other start-up failure.
    """
    try:
        settings = settings_loader()
        configure_logging(name, settings.log_level, settings.log_format)
        if settings.dev_reload:
            _supervise(name, factory, settings_loader, settings)
            return
        app = factory()
    except SettingsError as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    _run(name, app, settings)


def _run(
    name: str, app: Any, settings: StackSettings, sockets: list[socket.socket] | None = None
) -> None:
    server = uvicorn.Server(
        uvicorn.Config(
            _QuietConfigFailure(app),
            host=settings.bind_host,
            port=settings.service_port,
            loop="uvloop",
            # httptools with a cap on request heads and deadlines for slow clients.
            http=guarded_protocol(HttpLimits.from_settings(settings)),
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=10,
        )
    )
    try:
        server.run(sockets=sockets)
    except SystemExit as exc:
        # uvicorn's own way of saying the lifespan failed; reported below in our words.
        if exc.code != STARTUP_FAILURE:
            raise
    if server.started:
        return
    error = getattr(app.state, "startup_error", None)
    if isinstance(error, SettingsError):
        print(f"{name}: {error}", file=sys.stderr)
        raise SystemExit(2)
    detail = f": {type(error).__name__}: {error}" if error is not None else ""
    print(f"{name}: start-up failed{detail} (see the log above)", file=sys.stderr)
    raise SystemExit(1)


def _reloaded_child(
    name: str,
    factory: Callable[[], Any],
    settings_loader: Callable[[], StackSettings],
    sockets: list[socket.socket],
) -> None:
    """One generation under DEV_RELOAD: a fresh interpreter, so edited modules are re-imported,
    then the production path on the socket the supervisor holds."""
    try:
        settings = settings_loader()
        configure_logging(name, settings.log_level, settings.log_format)
        app = factory()
    except SettingsError as exc:
        # The supervisor keeps watching: the next edit starts a new child.
        print(f"{name}: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    _run(name, app, settings, sockets)


def _supervise(
    name: str,
    factory: Callable[[], Any],
    settings_loader: Callable[[], StackSettings],
    settings: StackSettings,
) -> None:
    """uvicorn's reloader around :func:`_reloaded_child`, watching the ``services`` folder
    (``/app/services`` in the image, where skaffold syncs edited files)."""
    services_root = Path(__file__).resolve().parents[1]
    config = uvicorn.Config(
        # Only makes uvicorn's reloader accept the config: the child builds the app itself.
        f"{factory.__module__}:{factory.__qualname__}",
        factory=True,
        host=settings.bind_host,
        port=settings.service_port,
        reload=True,
        reload_dirs=[str(services_root)],
        log_config=None,
    )
    target = functools.partial(_reloaded_child, name, factory, settings_loader)
    ChangeReload(config, target=target, sockets=[config.bind_socket()]).run()
