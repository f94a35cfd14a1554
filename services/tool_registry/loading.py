"""From a plugin (a module or any object with hook implementations) to its tools, via pluggy.

Used the same way for every plugin: the built-ins (in the registry's process) and dropped-in
files or third-party entry points (in a worker process). A broken tool function is reported and
skipped; the plugin's other tools still load.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from pluggy import PluginValidationError

from services.tool_registry.errors import PluginError
from services.tool_registry.functions import FunctionTool, function_tool
from services.tool_registry.hookspecs import plugin_manager


@dataclass
class LoadedPlugin:
    """The tools a plugin gave, and the problems with the ones it could not give."""

    tools: list[FunctionTool] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    version: str | None = None


def digest(source: bytes) -> str:
    return hashlib.sha256(source).hexdigest()


def tools_of(plugin: Any, name: str) -> LoadedPlugin:
    """Register ``plugin`` with a fresh plugin manager and collect ``aistack_tools()``.

    Raises:
        PluginError: the plugin implements no (or a misspelt) hook, or its hook raised.
    """
    manager = plugin_manager()
    try:
        manager.register(plugin, name=name)
        manager.check_pending()
    except PluginValidationError as exc:
        raise PluginError(f"invalid hook: {exc}") from None
    if not manager.get_hookcallers(plugin):
        raise PluginError("defines no tools: no @hookimpl aistack_tools() in this module")
    try:
        results = manager.hook.aistack_tools()
    except Exception as exc:  # noqa: BLE001 - whatever a plugin raises is its report
        raise PluginError(f"aistack_tools() raised {type(exc).__name__}: {exc}") from None
    version = getattr(plugin, "__version__", None)
    loaded = LoadedPlugin(version=str(version) if version is not None else None)
    for result in results:
        if result is None:
            continue
        if callable(result) or isinstance(result, str | bytes) or not hasattr(result, "__iter__"):
            raise PluginError("aistack_tools() must return a list of functions")
        for function in result:
            try:
                loaded.tools.append(function_tool(function, loaded.version))
            except PluginError as exc:
                loaded.problems.append(str(exc))
    return loaded


def module_prefix(path: Path) -> str:
    """The module name of a plugin file, less its version (the digest)."""
    return f"aistack_plugin_{path.stem.replace('-', '_').replace('.', '_')}_"


def load_file(path: Path, source: bytes) -> ModuleType:
    """Execute a plugin file's ``source`` as a fresh module (each version its own name).

    Raises:
        PluginError: a syntax error or any exception at import, with the line it came from.
    """
    module_name = f"{module_prefix(path)}{digest(source)[:12]}"
    spec = importlib.util.spec_from_loader(module_name, loader=None, origin=str(path))
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    module.__file__ = str(path)
    # Registered while it runs: dataclasses and pydantic look their module up by name.
    sys.modules[module_name] = module
    try:
        code = compile(source, str(path), "exec", dont_inherit=True)
        exec(code, module.__dict__)  # noqa: S102 - running the plugin is the point
    except SyntaxError as exc:
        sys.modules.pop(module_name, None)
        raise PluginError(f"syntax error at line {exc.lineno}: {exc.msg}") from None
    except BaseException as exc:  # noqa: BLE001 - SystemExit at import is a broken plugin too
        sys.modules.pop(module_name, None)
        raise PluginError(f"import raised {type(exc).__name__}: {exc}{_where(exc, path)}") from None
    return module


def _where(exc: BaseException, path: Path) -> str:
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == str(path):
            line = tb.tb_lineno
        tb = tb.tb_next
    return f" (line {line})" if line else ""
