"""Shared fixtures: a clean environment per test, and free loopback ports."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest


def _settings_variables() -> frozenset[str]:
    """Every variable a service's or the CLI's Settings class reads, found from the classes
    themselves (a new setting is cleared without anyone keeping a list)."""
    import importlib
    import pkgutil

    from pydantic_settings import BaseSettings

    import services

    names: set[str] = set()
    for package in pkgutil.iter_modules(services.__path__):
        try:
            module = importlib.import_module(f"services.{package.name}.settings")
        except ModuleNotFoundError:
            continue
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, BaseSettings):
                names |= {name.upper() for name in value.model_fields}
    return frozenset(names)


# Variables the stack reads; a developer's shell or .env must not leak into tests.
STACK_VARIABLES = sorted(_settings_variables())


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    for name in STACK_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    # Settings read .env from the working directory: run each test from an empty one.
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_target(target: str, timeout_s: float = 600) -> None:
    """Run ``make <target>`` in the repository (a tool or suite fetched on first use); fail
    with its output when it fails."""
    result = subprocess.run(
        ["make", "--no-print-directory", target],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    assert result.returncode == 0, f"make {target} failed:\n{result.stdout}\n{result.stderr}"
