"""Print the image table that skaffold.yaml holds, for `make build` / `make push`.

skaffold.yaml's artifacts are the one list of images and their build args (docker/Dockerfile):
    python docker/buildargs.py --list          component names, one per line
    python docker/buildargs.py gateway         --build-arg K=V ... for that image
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import yaml

SKAFFOLD = Path(__file__).resolve().parents[1] / "skaffold.yaml"


def images() -> dict[str, dict[str, str]]:
    """Component name (the chart's) → its build args."""
    config = yaml.safe_load(SKAFFOLD.read_text(encoding="utf-8"))
    table = {}
    for artifact in config["build"]["artifacts"]:
        name = artifact["image"].removeprefix("ai-stack/")
        table[name] = {k: str(v) for k, v in artifact["docker"].get("buildArgs", {}).items()}
    return table


def main(argv: list[str]) -> int:
    table = images()
    if argv == ["--list"]:
        print("\n".join(table))
        return 0
    if len(argv) == 1 and argv[0] in table:
        print(" ".join(f"--build-arg {shlex.quote(f'{k}={v}')}" for k, v in table[argv[0]].items()))
        return 0
    print(f"usage: buildargs.py --list | <{'|'.join(table)}>", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
