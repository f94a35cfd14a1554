"""Where tools come from: the built-ins, installed entry points, and the files in PLUGINS_DIR.

Built-ins (modules under ``services.tool_registry.builtins``, declared in the ``aistack.tools``
entry-point group) load in this process. Other entry points and dropped-in ``*.py`` files are
loaded — and later run — by a worker process, so that their import cannot hang or crash the
registry. ``*.tool.yaml`` manifests are data and parse here.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from services.kit.logging import get_logger
from services.tool_registry.builtins import MODULES
from services.tool_registry.catalog import Problem, now
from services.tool_registry.definition import ToolDefinition
from services.tool_registry.errors import PluginError
from services.tool_registry.hookspecs import ENTRY_POINT_GROUP
from services.tool_registry.loading import tools_of
from services.tool_registry.manifest import load_manifest
from services.tool_registry.pool import WorkerCrashError, WorkerPool, WorkerTimeoutError
from services.tool_registry.runners import CliRunner, InProcessRunner, WorkerRunner
from services.tool_registry.settings import Settings

log = get_logger(__name__)

BUILTIN_PACKAGE = "services.tool_registry.builtins"
PYTHON_SUFFIX = ".py"
MANIFEST_SUFFIXES = (".tool.yaml", ".tool.yml")


@dataclass
class Found:
    """Tools and problems from one source (a file, the built-ins, the entry points)."""

    tools: list[ToolDefinition] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def problem(self, where: str, error: str) -> None:
        log.warning("plugin not loaded", file=where, error=error)
        self.problems.append(Problem(where, error, now()))


def package_version() -> str:
    try:
        return importlib.metadata.version("ai-stack")
    except importlib.metadata.PackageNotFoundError:
        return "0.0.0"


def is_plugin_file(path: Path) -> bool:
    name = path.name
    if name.startswith((".", "__")) or not path.is_file():
        return False
    return name.endswith(PYTHON_SUFFIX) or name.endswith(MANIFEST_SUFFIXES)


class Discovery:
    def __init__(self, settings: Settings, pool: WorkerPool, variables: Mapping[str, str]) -> None:
        self.settings = settings
        self.pool = pool
        # The registry's environment: manifests pass through only what they name (env:).
        self.variables = variables

    def builtins(self) -> Found:
        """The built-in plugins, registered like any plugin, run in-process."""
        found = Found()
        modules: list[str] = []
        for point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            if point.module.startswith(BUILTIN_PACKAGE) and point.module not in modules:
                modules.append(point.module)
        # Present even when the package's entry points are not installed.
        modules += [m for m in MODULES if m not in modules]
        version = package_version()
        for name in modules:
            try:
                loaded = tools_of(importlib.import_module(name), name)
            except (ImportError, PluginError) as exc:
                found.problem(f"builtin:{name}", str(exc))
                continue
            for problem in loaded.problems:
                found.problem(f"builtin:{name}", problem)
            for tool in loaded.tools:
                found.tools.append(
                    ToolDefinition(
                        tool.name,
                        tool.description,
                        tool.parameters,
                        f"builtin:{name}",
                        version,
                        InProcessRunner(tool),
                        tool.timeout_s,
                        f"builtin:{name}",
                        tool.quantities,
                    )
                )
        return found

    async def entry_points(self) -> Found:
        """Installed third-party plugin packages (entry-point group ``aistack.tools``)."""
        found = Found()
        for point in sorted(
            importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda p: p.name
        ):
            if point.module.startswith(BUILTIN_PACKAGE):
                continue
            dist = point.dist
            where = f"entrypoint:{dist.name if dist else '?'}:{point.name}"
            version = dist.version if dist else None
            source = {"entry_point": point.name, "value": point.value}
            await self._describe(found, where, source, version, None)
        return found

    def plugin_files(self) -> list[Path]:
        """Every plugin file, folder by folder (PLUGINS_DIR order), by name within a folder."""
        files: list[Path] = []
        for folder in self.settings.plugins_dir:
            try:
                files += sorted(p for p in folder.iterdir() if is_plugin_file(p))
            except OSError:
                continue  # a folder that is not there (yet) holds no plugins
        return files

    async def load_file(self, path: Path, data: bytes, digest: str) -> Found:
        found = Found()
        if path.name.endswith(MANIFEST_SUFFIXES):
            self._manifest(found, path, data, digest)
        else:
            source = {"file": str(path), "digest": digest}
            await self._describe(found, str(path), source, None, digest)
        return found

    def _manifest(self, found: Found, path: Path, data: bytes, digest: str) -> None:
        try:
            manifest = load_manifest(path, data)
        except PluginError as exc:
            found.problem(str(path), str(exc))
            return
        runner = CliRunner(
            manifest,
            self.variables,
            self.settings.tools_max_output_bytes,
            self.settings.tools_memory_mb * 1024 * 1024,
        )
        try:
            runner.program()
        except FileNotFoundError as exc:
            found.problem(str(path), f"argv[0]: {exc}")
            return
        found.tools.append(
            ToolDefinition(
                manifest.name,
                manifest.description,
                manifest.parameters,
                f"yaml:{path}",
                manifest.version or f"sha256:{digest[:12]}",
                runner,
                manifest.timeout_s,
                str(path),
            )
        )

    async def _describe(
        self,
        found: Found,
        where: str,
        source: dict[str, str],
        version: str | None,
        digest: str | None,
    ) -> None:
        limit = self.settings.tools_load_timeout_s
        try:
            answer = await self.pool.request({"op": "describe", "source": source}, limit)
        except WorkerTimeoutError:
            found.problem(
                where, f"loading took longer than {limit:g} s (TOOLS_LOAD_TIMEOUT_S); stopped"
            )
            return
        except WorkerCrashError as exc:
            found.problem(where, f"loading crashed the worker: {exc}")
            return
        if not answer.get("ok"):
            found.problem(where, str(answer.get("error", "could not be loaded")))
            return
        for problem in answer.get("problems", []):
            found.problem(where, problem)
        kind = "python" if "file" in source else "entrypoint"
        label = f"python:{where}" if kind == "python" else where
        shown = version or answer.get("version") or (f"sha256:{digest[:12]}" if digest else "0")
        for spec in answer.get("tools", []):
            found.tools.append(
                ToolDefinition(
                    spec["name"],
                    spec["description"],
                    spec["parameters"],
                    label,
                    shown,
                    WorkerRunner(self.pool, spec["name"], source),
                    spec.get("timeout_s"),
                    where,
                    dict(spec.get("quantities") or {}),
                )
            )
