"""Process entrypoint shared by services: configure logging, then run uvicorn on the factory."""

from __future__ import annotations

import sys
from collections.abc import Callable

import uvicorn

from services.kit.logging import configure_logging
from services.kit.settings import SettingsError, StackSettings


def serve(name: str, factory_path: str, settings_loader: Callable[[], StackSettings]) -> None:
    """Run ``factory_path`` (``module:function``) with uvicorn on the service's port.

    Args:
        name: service name used in logs and traces.
        factory_path: import path of the zero-argument app factory.
        settings_loader: a callable returning the service's settings; a configuration error
            is printed as one line naming the variable and the process exits with status 2.
    """
    try:
        settings = settings_loader()
    except SettingsError as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging(name, settings.log_level, settings.log_format)
    uvicorn.run(
        factory_path,
        factory=True,
        host=settings.bind_host,
        port=settings.service_port,
        loop="uvloop",
        http="httptools",
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )
