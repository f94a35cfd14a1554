"""Route dependencies that read what a service's lifespan put on ``app.state``.

``Depends(from_state("graph"))`` instead of a hand-written getter per attribute and service.
The getter is async so FastAPI calls it inline rather than on a worker thread.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request

from services.kit.errors import UpstreamUnavailableError


def from_state(name: str) -> Callable[[Request], Awaitable[Any]]:
    """A dependency returning ``request.app.state.<name>``.

    Raises:
        UpstreamUnavailableError: the lifespan has not set it (yet), 503 rather than a 500.
    """

    async def dependency(request: Request) -> Any:
        value = getattr(request.app.state, name, None)
        if value is None:
            raise UpstreamUnavailableError(f"the service is not ready ({name} is not set up)")
        return value

    dependency.__name__ = f"state_{name}"
    return dependency
