"""Process entrypoint shared by services: load settings, configure logging, build, serve."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import uvicorn

from services.kit.logging import configure_logging
from services.kit.settings import SettingsError, StackSettings


def serve(
    name: str, factory: Callable[[], Any], settings_loader: Callable[[], StackSettings]
) -> None:
    """Run the app built by ``factory`` with uvicorn on the service's port.

    A configuration error (from the settings or from the factory) is printed as one line
    naming the variable, and the process exits with status 2 instead of a traceback.
    """
    try:
        settings = settings_loader()
        configure_logging(name, settings.log_level, settings.log_format)
        app = factory()
    except SettingsError as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    uvicorn.run(
        app,
        host=settings.bind_host,
        port=settings.service_port,
        loop="uvloop",
        http="httptools",
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )
