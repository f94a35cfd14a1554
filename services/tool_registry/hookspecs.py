# ruff: noqa: RUF002 - the example writes its formula as engineers do, in Greek letters
"""The plugin contract of the tool registry (pluggy project name ``aistack``).

A plugin is a Python module — a ``*.py`` file dropped into ``PLUGINS_DIR``, or a module that an
installed package exposes in the entry-point group ``aistack.tools`` — that implements the one
hook below. It needs nothing from this repository, only pluggy::

    import pluggy

    hookimpl = pluggy.HookimplMarker("aistack")

    def reynolds_number(density: float, velocity: float, length: float, viscosity: float) -> float:
        \"\"\"Reynolds number Re = ρ·v·L/μ (SI units).\"\"\"
        return density * velocity * length / viscosity

    @hookimpl
    def aistack_tools():
        return [reynolds_number]

What a tool function must look like:

- Its ``__name__`` is the tool's name and must match ``^[a-zA-Z0-9_-]{1,64}$``; names are unique
  across all plugins (built-ins first, then files in path order; a later duplicate is reported).
- Its docstring (required) is the description the model reads. A Google-style ``Args:``
  section, if any, also describes each parameter.
- Every parameter has a type annotation; the JSON Schema of the arguments is generated from them
  by pydantic (no ``*args`` / ``**kwargs``). Defaults make parameters optional.
- A parameter that carries a physical quantity can be declared
  ``Annotated[float, Quantity("pressure")]`` (``from services.tool_registry.quantity import
  Quantity``): callers may send a number (SI), ``"3 bar"`` or ``{"value": 3, "unit": "bar"}``,
  and the function receives the SI value (300000.0); a wrong dimension is refused with 422.
- The result is returned as JSON (anything pydantic can serialise) or as text (a ``str``). An
  exception becomes an ``is_error`` result carrying its message.
- Optionally a function attribute ``timeout_s`` sets its own limit (capped at
  ``TOOLS_MAX_TIMEOUT_S``); otherwise ``TOOLS_DEFAULT_TIMEOUT_S`` applies.

Dropped-in files and third-party entry points run in worker processes that are killed at the
tool's timeout; the built-ins (``services.tool_registry.builtins``) run inside the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pluggy

PROJECT = "aistack"
ENTRY_POINT_GROUP = "aistack.tools"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def aistack_tools() -> Sequence[Callable[..., Any]]:
    """Return the tool functions this plugin provides (typed functions, see the module doc)."""
    raise NotImplementedError  # pragma: no cover - a spec, never called


def plugin_manager() -> pluggy.PluginManager:
    """A plugin manager that knows the ``aistack`` hooks."""
    import sys

    manager = pluggy.PluginManager(PROJECT)
    manager.add_hookspecs(sys.modules[__name__])
    return manager
