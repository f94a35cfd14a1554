"""Print the image table that skaffold.yaml holds, for `make build` / `make push`.

skaffold.yaml's artifacts are the one list of images and their build args (docker/Dockerfile);
a profile may swap an artifact for a variant (the prod profile builds asr-api-gpu, the CUDA
libraries included, in place of asr-api):
    python docker/buildargs.py --list                  the base images (the kind laptop's)
    python docker/buildargs.py --list --profile prod   the images that profile builds
    python docker/buildargs.py asr-api-gpu             --build-arg K=V ... for that image
"""

from __future__ import annotations

import copy
import shlex
import sys
from pathlib import Path

import yaml

SKAFFOLD = Path(__file__).resolve().parents[1] / "skaffold.yaml"


def apply_patches(config: dict, patches: list[dict]) -> dict:
    """The JSON-patch subset skaffold profiles use here (add / replace)."""
    config = copy.deepcopy(config)
    for patch in patches:
        if patch.get("op", "replace") not in ("add", "replace"):
            raise ValueError(f"unsupported patch op in skaffold.yaml: {patch}")
        *parents, last = patch["path"].strip("/").split("/")
        node = config
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            if last == "-":
                node.append(patch["value"])
            else:
                node[int(last)] = patch["value"]
        else:
            node[last] = patch["value"]
    return config


def config(profile: str | None = None) -> dict:
    """skaffold.yaml, with ``profile``'s patches applied."""
    base = yaml.safe_load(SKAFFOLD.read_text(encoding="utf-8"))
    if profile is None:
        return base
    found = [p for p in base.get("profiles", []) if p["name"] == profile]
    if not found:
        raise SystemExit(f"buildargs.py: skaffold.yaml has no profile {profile!r}")
    return apply_patches(base, found[0].get("patches", []))


def images(profile: str | None = None) -> dict[str, dict[str, str]]:
    """Image name (without ``ai-stack/``) → its build args, as ``profile`` builds them."""
    table = {}
    for artifact in config(profile)["build"]["artifacts"]:
        name = artifact["image"].removeprefix("ai-stack/")
        table[name] = {k: str(v) for k, v in artifact["docker"].get("buildArgs", {}).items()}
    return table


def every_image() -> dict[str, dict[str, str]]:
    """The base images plus every variant a profile builds."""
    table = images()
    for profile in config().get("profiles", []):
        table |= images(profile["name"])
    return table


def main(argv: list[str]) -> int:
    profile = None
    if "--profile" in argv:
        at = argv.index("--profile")
        profile = argv[at + 1] if at + 1 < len(argv) else ""
        argv = argv[:at] + argv[at + 2 :]
    table = every_image()
    if argv == ["--list"]:
        print("\n".join(images(profile)))
        return 0
    if len(argv) == 1 and argv[0] in table:
        print(" ".join(f"--build-arg {shlex.quote(f'{k}={v}')}" for k, v in table[argv[0]].items()))
        return 0
    print(f"usage: buildargs.py --list [--profile dev|prod] | <{'|'.join(table)}>", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
