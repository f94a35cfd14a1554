"""Fuzz every service's OpenAPI (or some) and print the figures: the suite's engine
(tests/hardening/fuzzing.py) and its list of services (tests/hardening/targets.py), with a
budget of your choosing.

    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.fuzz [--cases 1000] [--seed 0] [--only gateway,mcp]

One line per service: operations, cases run, 5xx found, distinct failures, and the statuses
seen; then each failure (operation, status, check, a curl line to replay it). Exits 1 when
anything failed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from services.kit.logging import configure_logging
from services.kit.settings import LogFormat
from tests.hardening.fuzzing import fuzz
from tests.hardening.targets import TARGETS, target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000, help="generated requests per service")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", default="", help="comma-separated service names")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    # The services' own request lines would drown the figures.
    configure_logging("fuzz", "error", LogFormat.CONSOLE)
    chosen = [target(n.strip()) for n in args.only.split(",") if n.strip()] or list(TARGETS)
    failed = False
    lines = []
    for entry in chosen:
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix=f"fuzz-{entry.name}-") as home:
            report = fuzz(entry, args.cases, Path(home), base_seed=args.seed)
        lines.append(f"{report.line()}  {time.monotonic() - started:.0f} s")
        print(lines[-1], flush=True)
        for found in report.found.values():
            failed = True
            print(f"    {found}", flush=True)
        failed = failed or report.server_errors > 0
    print("\n".join(["", "summary:", *lines]))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
