"""Layering and house rules, enforced rather than hoped for."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def test_import_contracts_hold() -> None:
    result = subprocess.run(
        [str(BIN / "lint-imports"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _python_files() -> list[Path]:
    return sorted((ROOT / "services").rglob("*.py"))


def test_environment_is_read_only_by_settings() -> None:
    offenders = []
    for path in _python_files():
        if path.name == "settings.py":
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv"}:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_importing_a_service_has_no_side_effects() -> None:
    """Importing every module must not need variables, models or a network."""
    code = (
        "import importlib, pkgutil, services\n"
        "for m in pkgutil.walk_packages(services.__path__, 'services.'):\n"
        "    if not m.name.endswith('__main__'):\n"
        "        importlib.import_module(m.name)\n"
        "import logging; assert not logging.getLogger().handlers, 'logging configured at import'\n"
        "from opentelemetry import trace; from opentelemetry.sdk.trace import TracerProvider\n"
        "assert not isinstance(trace.get_tracer_provider(), TracerProvider), 'tracing at import'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_no_shell_execution() -> None:
    for path in _python_files():
        text = path.read_text()
        assert "shell=True" not in text and "os.system(" not in text, path
