"""Hardening suites: figures collected while they run, printed at the end of the session."""

from __future__ import annotations

from typing import Any

# (tier, line) per service fuzzed; tests/hardening/test_fuzz.py appends to it.
FUZZ_FIGURES: list[tuple[str, str]] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not FUZZ_FIGURES:
        return
    terminalreporter.section("fuzzing: cases run and 5xx found, per service")
    for tier, line in FUZZ_FIGURES:
        terminalreporter.write_line(f"{tier:<8} {line}")
