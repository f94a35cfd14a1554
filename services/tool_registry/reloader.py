"""Hot reload: PLUGINS_DIR is watched (watchfiles) and rescanned; a file added, changed or
removed is reflected in the catalog without a restart.

A rescan compares each file's (mtime, size, inode) and then its content digest with what was
loaded, so only files that really changed are loaded again; a periodic rescan (also when the
watch cannot run, e.g. a folder that does not exist yet) catches whatever events were missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, replace

import watchfiles

from services.kit.logging import get_logger
from services.tool_registry.catalog import Catalog
from services.tool_registry.discovery import Discovery, Found
from services.tool_registry.loading import digest
from services.tool_registry.settings import Settings

log = get_logger(__name__)


@dataclass(frozen=True)
class FileRecord:
    stat: tuple[int, int, int]
    digest: str
    found: Found


class Reloader:
    def __init__(self, settings: Settings, discovery: Discovery, catalog: Catalog) -> None:
        self.settings = settings
        self.discovery = discovery
        self.catalog = catalog
        self._fixed = Found()
        self._records: dict[str, FileRecord] = {}
        self._lock = asyncio.Lock()
        self.loaded = False

    async def start(self) -> None:
        """Load the built-ins, the entry points and every plugin file once."""
        builtins = self.discovery.builtins()
        external = await self.discovery.entry_points()
        self._fixed = Found(builtins.tools + external.tools, builtins.problems + external.problems)
        await self.rescan(force=True)
        self.loaded = True

    async def rescan(self, force: bool = False) -> bool:
        """Reload what changed; returns whether the catalog was rebuilt."""
        async with self._lock:
            started = time.perf_counter()
            records: dict[str, FileRecord] = {}
            changed = force
            for path in self.discovery.plugin_files():
                key = str(path)
                try:
                    st = path.stat()
                except OSError:
                    continue
                stat = (st.st_mtime_ns, st.st_size, st.st_ino)
                old = self._records.get(key)
                if old is not None and old.stat == stat:
                    records[key] = old
                    continue
                try:
                    data = path.read_bytes()
                except OSError:
                    continue  # removed between the listing and the read
                sha = digest(data)
                if old is not None and old.digest == sha:
                    records[key] = replace(old, stat=stat)
                    continue
                records[key] = FileRecord(
                    stat, sha, await self.discovery.load_file(path, data, sha)
                )
                changed = True
                log.info("plugin file loaded", file=key, tools=len(records[key].found.tools))
            removed = set(self._records) - set(records)
            for key in sorted(removed):
                log.info("plugin file removed", file=key)
            changed |= bool(removed)
            self._records = records
            if changed:
                self._install()
                log.info(
                    "tools reloaded",
                    tools=len(self.catalog),
                    problems=len(self.catalog.problems()),
                    took_ms=round((time.perf_counter() - started) * 1000, 1),
                )
            return changed

    def _install(self) -> None:
        tools = list(self._fixed.tools)
        problems = list(self._fixed.problems)
        for record in self._records.values():
            tools += record.found.tools
            problems += record.found.problems
        self.catalog.replace(tools, problems)

    async def watch(self, stop: asyncio.Event) -> None:
        """Rescan on every change under PLUGINS_DIR until ``stop`` is set."""
        interval = self.settings.tools_rescan_interval_s
        while not stop.is_set():
            folders = [str(d) for d in self.settings.plugins_dir if d.is_dir()]
            if not folders or not self.settings.tools_watch:
                # No folder yet (a volume still mounting): look again soon.
                await _sleep(stop, 1.0 if not folders else interval or 1.0)
                await self._safe_rescan()
                continue
            try:
                async for _ in watchfiles.awatch(
                    *folders,
                    stop_event=stop,
                    debounce=400,
                    step=30,
                    force_polling=self.settings.tools_watch_polling or None,
                    poll_delay_ms=200,
                    rust_timeout=int((interval or 3600) * 1000),
                    yield_on_timeout=True,
                    recursive=False,
                ):
                    await self._safe_rescan()
                    if [str(d) for d in self.settings.plugins_dir if d.is_dir()] != folders:
                        break  # a folder appeared or vanished: watch the new set
            except (OSError, RuntimeError) as exc:
                log.warning("plugin folder watch failed; retrying", error=str(exc))
                await _sleep(stop, 1.0)

    async def _safe_rescan(self) -> None:
        try:
            await self.rescan()
        except Exception:
            log.exception("plugin rescan failed")


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
