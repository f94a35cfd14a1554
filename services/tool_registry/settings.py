"""tool-registry settings: where plugins live, how tools run, what limits they get.

``PLUGINS_DIR`` is one folder or several separated by ``:`` (like ``PATH``); in the cluster the
chart points it at the plugins volume and the ConfigMap of manifests. The bearer keys are the
gateway's (``GATEWAY_API_KEYS`` / ``GATEWAY_API_KEYS_FILE``, from the kit's key store).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from services.kit.keys import KeySettings
from services.kit.settings import CsvList, load_settings

# The repository's example plugins: the default folder of the local stack.
DEFAULT_PLUGINS_DIR = Path(__file__).resolve().parents[1] / "plugins"


def _split_paths(value: object) -> object:
    if isinstance(value, str):
        return [Path(part) for part in value.split(os.pathsep) if part.strip()]
    if isinstance(value, Path):
        return [value]
    return value


class Settings(KeySettings):
    # Folders scanned for *.py plugins and *.tool.yaml manifests (re-read while running).
    plugins_dir: Annotated[list[Path], NoDecode] = Field(
        default_factory=lambda: [DEFAULT_PLUGINS_DIR]
    )
    # A tool without its own timeout gets this; none may ask for more than the maximum.
    tools_default_timeout_s: float = Field(30.0, gt=0)
    tools_max_timeout_s: float = Field(600.0, gt=0)
    # Loading one dropped-in Python file (its import and hook) must finish within this.
    tools_load_timeout_s: float = Field(10.0, gt=0)
    # Worker processes that run dropped-in Python plugins: kept warm, grown on demand.
    tools_python_workers: int = Field(2, ge=1, le=64)
    tools_python_workers_max: int = Field(8, ge=1, le=256)
    # Address-space limit of every tool process (CLI tools and Python workers), in MiB.
    tools_memory_mb: int = Field(2048, ge=64)
    # Output cap for CLI tools without max_output_bytes, and for any tool's result.
    tools_max_output_bytes: int = Field(1024 * 1024, ge=1024)
    # Largest invoke body accepted.
    tools_max_body_bytes: int = Field(1024 * 1024, ge=1024)
    # Hot reload: inotify by default; polling for volumes without it (NFS). A periodic
    # rescan is a safety net for missed events (0 switches it off).
    tools_watch: bool = True
    tools_watch_polling: bool = False
    tools_rescan_interval_s: float = Field(10.0, ge=0)
    # Known tool hashes (rug-pull detection) survive restarts here; unset = AISTACK_HOME.
    tools_hash_file: Path | None = None
    # Host headers the MCP endpoint accepts besides loopback (the ingress host, the Service
    # name): the SDK's DNS-rebinding guard answers 421 to any other.
    tools_mcp_allowed_hosts: CsvList = Field(default_factory=list)
    tools_mcp_allowed_origins: CsvList = Field(default_factory=list)

    @field_validator("plugins_dir", mode="before")
    @classmethod
    def _paths(cls, value: object) -> object:
        return _split_paths(value)

    @property
    def service_port(self) -> int:
        return self.tools_port

    @property
    def hash_file(self) -> Path:
        return self.tools_hash_file or self.aistack_home / "tool-hashes.json"

    def process_variables(self) -> dict[str, str]:
        """This process's environment: a manifest's ``env:`` names what it passes through."""
        return dict(os.environ)

    def timeout_for(self, requested: float | None) -> float:
        """The timeout a tool runs under: its own (capped at the maximum) or the default."""
        if requested is None:
            return self.tools_default_timeout_s
        return min(requested, self.tools_max_timeout_s)


@lru_cache
def get_settings() -> Settings:
    return load_settings(Settings)
