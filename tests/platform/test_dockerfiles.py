"""The service images: checked without a container engine (none on build machines).

One parameterised docker/Dockerfile builds every image; skaffold.yaml's artifacts hold each
image's build args (docker/buildargs.py hands them to `make build`). For each image: a pinned
python:3.11 slim base, a fixed non-root UID, only the service's pyproject extra installed, every
COPY source present and let through by .dockerignore, and the CMD module importable from exactly
the files the image copies, with every third-party import it makes provided by the base
dependencies plus that extra.
"""

from __future__ import annotations

import ast
import fnmatch
import importlib.metadata
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.platform.components import image_table, package_of
from tests.platform.conftest import REPO

pytestmark = pytest.mark.unit

DOCKERFILE = REPO / "docker" / "Dockerfile"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
SKAFFOLD = yaml.safe_load((REPO / "skaffold.yaml").read_text(encoding="utf-8"))


IMAGES = image_table()


def build_args(args: dict[str, str]) -> dict[str, str]:
    """Every ARG's value as built with ``args``; a default may name an earlier ARG
    (PACKAGE_DIR=services/${SERVICE})."""
    text = DOCKERFILE.read_text(encoding="utf-8")
    defaults = dict(re.findall(r"^ARG (\w+)=(\S*)$", text, re.MULTILINE))
    values = {k: v.strip('"') for k, v in defaults.items()} | args
    for _ in range(3):
        values = {k: _substitute(v, values) for k, v in values.items()}
    return values


def _substitute(text: str, values: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}", lambda m: values.get(m[1], m[0]), text)


def instructions(args: dict[str, str]) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs of the Dockerfile as built with ``args``: continuation
    lines joined, comments dropped, ``${ARG}`` references replaced by their values."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    values = build_args(args)
    result = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            if keyword.upper() in ("COPY", "EXPOSE", "FROM"):
                rest = _substitute(rest, values)
            result.append((keyword.upper(), rest.strip()))
    return result


def copies(args: dict[str, str]) -> list[tuple[str, str]]:
    """(source, destination) of every COPY from the build context."""
    pairs = []
    for keyword, rest in instructions(args):
        if keyword != "COPY" or "--from=" in rest:
            continue
        words = [w for w in rest.split() if not w.startswith("--")]
        *sources, dest = words
        pairs += [(source, dest) for source in sources]
    return pairs


def cmd_module(args: dict[str, str]) -> str:
    (cmd,) = [rest for keyword, rest in instructions(args) if keyword == "CMD"]
    argv = json.loads(cmd)
    assert argv[:2] == ["sh", "-c"] and argv[2].startswith("exec python -m "), "exec python -m"
    assert argv[2] == "exec python -m ${AISTACK_MODULE}"
    return build_args(args)["MODULE"]


def dockerignore_allows(relative: str) -> bool:
    """Whether .dockerignore (an allowlist: `*` then `!path`) lets `relative` into the context."""
    allowed = False
    for raw in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line.lstrip("!").rstrip("/")
        target = relative.rstrip("/")
        if fnmatch.fnmatch(target, pattern) or target.startswith(pattern + "/"):
            allowed = negate
    return allowed


@pytest.fixture(params=sorted(IMAGES), ids=str)
def image(request: pytest.FixtureRequest) -> tuple[str, dict[str, str]]:
    return request.param, IMAGES[request.param]


def test_one_dockerfile_for_every_image() -> None:
    assert sorted(p.relative_to(REPO).as_posix() for p in REPO.glob("docker/**/Dockerfile")) == [
        "docker/Dockerfile"
    ]
    assert {a["docker"]["dockerfile"] for a in SKAFFOLD["build"]["artifacts"]} == {
        "docker/Dockerfile"
    }


def test_there_is_an_image_per_existing_service() -> None:
    assert {"gateway", "orchestrator"} <= set(IMAGES)
    for name, args in IMAGES.items():
        assert args["SERVICE"] == package_of(name), name
        assert (REPO / build_args(args)["PACKAGE_DIR"] / "__main__.py").exists(), name


def test_base_user_and_no_healthcheck(image: tuple[str, dict[str, str]]) -> None:
    _, args = image
    text = DOCKERFILE.read_text(encoding="utf-8")
    (base,) = re.findall(r"^ARG PYTHON_IMAGE=(\S+)$", text, re.MULTILINE)
    assert re.fullmatch(r"python:3\.11\.\d+-slim(-\w+)?", base), "pin python:3.11.<patch>-slim"
    keywords = [k for k, _ in instructions(args)]
    assert "HEALTHCHECK" not in keywords, "probes live in the chart"
    users = [rest for k, rest in instructions(args) if k == "USER"]
    assert users[-1] == "10001:10001"
    assert "# Models:" in text, "say whether models are baked in or on a volume, and why"
    port = dict(instructions(args))["EXPOSE"]
    assert port.isdigit()


def test_installs_only_its_own_extra(image: tuple[str, dict[str, str]]) -> None:
    name, args = image
    assert args["EXTRA"] == package_of(name) or args["EXTRA"].startswith(package_of(name))
    assert args["EXTRA"] in PYPROJECT["project"]["optional-dependencies"]
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert len(re.findall(r"pip install", text)) == 1
    assert 'pip install ".[${EXTRA}]"' in text


def test_every_copy_source_exists_and_reaches_the_context(
    image: tuple[str, dict[str, str]],
) -> None:
    pairs = copies(image[1])
    assert pairs
    for source, _ in pairs:
        assert "${" not in source, f"unresolved build arg in COPY {source}"
        assert (REPO / source).exists(), source
        assert dockerignore_allows(source), f".dockerignore keeps {source} out"


def test_make_build_uses_the_table() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "docker" / "buildargs.py"), "--list"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert result.stdout.split() == list(image_table(None))  # the base (kind laptop) set
    for name, args in IMAGES.items():
        line = subprocess.run(
            [sys.executable, str(REPO / "docker" / "buildargs.py"), name],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
        for key, value in args.items():
            assert f"--build-arg {key}={value}" in line


def _image_tree(args: dict[str, str], root: Path) -> Path:
    """The /app of the image: the COPY sources of the runtime stage (services/, operators/)."""
    app = root / "app"
    for source, dest in copies(args):
        if dest in ("./", "."):  # the deps stage's project metadata
            continue
        target = app / dest
        if (REPO / source).is_dir():
            shutil.copytree(REPO / source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / source, target)
    return app


def test_cmd_module_imports_from_the_copied_files_alone(
    image: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    module = cmd_module(image[1])
    app = _image_tree(image[1], tmp_path)
    # `python -c` puts the working directory first on sys.path, as `python -m` does in /app.
    check = f"import {module}.__main__, services; assert services.__file__.startswith({str(app)!r})"
    result = subprocess.run(
        [sys.executable, "-c", check],
        cwd=app,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert result.returncode == 0, result.stderr


def _module_level(tree: ast.AST) -> list[ast.AST]:
    """Every node outside function bodies. Imports inside functions are the kit's optional
    capabilities (an embedding model, a YAML keys file): they load only in the images whose
    extra provides them, and importing the module never needs them."""
    found: list[ast.AST] = []
    todo = [tree]
    while todo:
        node = todo.pop()
        found.append(node)
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            todo.extend(ast.iter_child_nodes(node))
    return found


def _third_party_imports(root: Path) -> set[str]:
    names = set()
    for path in root.rglob("*.py"):
        for node in _module_level(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    first_party = {p.name for p in root.iterdir()}  # services, and operators in its image
    return {n for n in names if n not in sys.stdlib_module_names and n not in first_party}


def _closure(requirements: list[str]) -> set[str]:
    """Distributions installed by `requirements`, following installed metadata transitively."""
    seen: set[str] = set()
    todo = [Requirement(r) for r in requirements]
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        key = f"{name}[{','.join(sorted(req.extras))}]"
        if key in seen:
            continue
        seen.add(key)
        seen.add(name)
        try:
            dist = importlib.metadata.distribution(req.name)
        except importlib.metadata.PackageNotFoundError:
            continue
        for raw in dist.requires or []:
            sub = Requirement(raw)
            if sub.marker is None or any(
                sub.marker.evaluate({"extra": extra}) for extra in (req.extras or {""})
            ):
                todo.append(sub)
    return seen


def test_third_party_imports_come_from_base_plus_the_extra(
    image: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    extra = image[1]["EXTRA"]
    project = PYPROJECT["project"]
    installed = _closure([*project["dependencies"], *project["optional-dependencies"][extra]])
    providers = importlib.metadata.packages_distributions()
    app = _image_tree(image[1], tmp_path)
    missing = {}
    for name in sorted(_third_party_imports(app)):
        dists = {canonicalize_name(d) for d in providers.get(name, [name])}
        if not dists & installed:
            missing[name] = sorted(dists)
    assert missing == {}, f'imports not installed by pip install ".[{extra}]": {missing}'
