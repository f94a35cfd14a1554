"""What the rendered chart means to the services that read it (issue #16).

Each test takes a render with the real helm and checks its effect: the services' own Settings
classes read the rendered ConfigMaps, the models and entry points are the ones the pods get.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import pytest
import yaml

from services.kit.settings import StackSettings, load_settings
from tests.platform.call_graph import python_services
from tests.platform.components import REPO
from tests.platform.manifests import Manifest, by_kind, find, parse_manifests, pod_spec

pytestmark = pytest.mark.integration

S = TypeVar("S", bound=StackSettings)
GPU = "nvidia.com/gpu"


def config_env(manifests: list[Manifest], workload: Manifest) -> dict[str, str]:
    """The plain variables a workload's container gets from its ConfigMaps."""
    env: dict[str, str] = {}
    for container in pod_spec(workload)["containers"]:
        for source in container.get("envFrom", []):
            env.update(find(manifests, "ConfigMap", source["configMapRef"]["name"]).body["data"])
    return env


@contextmanager
def environment(env: dict[str, str]) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            mp.setenv(name, value)
        yield


def settings_of(manifests: list[Manifest], name: str, cls: type[S], **secrets: str) -> S:
    """``cls`` as the pod of Deployment ``ai-stack-<name>`` builds it from its environment."""
    env = config_env(manifests, find(manifests, "Deployment", f"ai-stack-{name}"))
    with environment({**env, **secrets}):
        return load_settings(cls)


# --- 12. dev pods start through the production entry point ----------------------------------


def test_dev_pods_run_the_image_entry_point_with_dev_reload(
    rendered: dict[str, list[Manifest]],
) -> None:
    from services.orchestrator.settings import Settings

    for values_name, manifests in rendered.items():
        for deployment in by_kind(manifests, "Deployment"):
            component = deployment.name.removeprefix("ai-stack-")
            if component not in python_services():
                continue
            (container,) = pod_spec(deployment)["containers"]
            # No command: the image's CMD, `python -m services.<name>` (the kit's serve()).
            assert "command" not in container and "args" not in container, deployment.ref
            env = config_env(manifests, deployment)
            assert env.get("DEV_RELOAD", "false") == ("true" if values_name == "dev" else "false")
    dev = settings_of(rendered["dev"], "orchestrator", Settings)
    assert dev.dev_reload is True
    assert (dev.log_level, dev.log_format) == ("debug", "json")


# --- 1, 2. asr-api in production: the GPU image, its model or nothing -----------------------


def test_prod_runs_the_gpu_asr_image_and_never_serves_a_smaller_model(
    rendered: dict[str, list[Manifest]],
) -> None:
    from services.asr.errors import ModelLoadError
    from services.asr.model_source import load_model
    from services.asr.settings import Settings

    prod = rendered["prod"]
    asr = find(prod, "Deployment", "ai-stack-asr-api")
    (container,) = pod_spec(asr)["containers"]
    assert container["image"] == "ghcr.io/your-user/ai-stack/asr-api-gpu:0.1.0"
    for other in ("default", "dev"):
        (cpu,) = pod_spec(find(rendered[other], "Deployment", "ai-stack-asr-api"))["containers"]
        assert cpu["image"].startswith("ai-stack/asr-api:")
    settings = settings_of(prod, "asr-api", Settings)
    assert (settings.asr_device, settings.asr_compute_type) == ("cuda", "float16")
    assert settings.asr_model == "/models/faster-whisper-medium"
    assert settings.rag_base_url == "http://ai-stack-rag-api:8082"  # its POST /ingest
    # The pod's /models is the models claim; empty (this machine has no /models), asr-api
    # stops at start naming the path instead of serving the bundled tiny.en.
    if Path(settings.asr_model).exists():
        pytest.skip(f"{settings.asr_model} exists on this machine")
    with pytest.raises(ModelLoadError, match="ASR_MODEL=/models/faster-whisper-medium: no such"):
        load_model(settings)


# --- 6. one name for the chat model ---------------------------------------------------------


def served_and_pulled(manifests: list[Manifest]) -> tuple[set[str], list[str]]:
    """The names vLLM serves (--served-model-name) and the models the Ollama Job pulls."""
    served: set[str] = set()
    pulled: list[str] = []
    runner = find(manifests, "Deployment", "ai-stack-llm-runner")
    if runner is not None:
        args = pod_spec(runner)["containers"][0].get("args", [])
        if "--served-model-name" in args:
            served.add(args[args.index("--served-model-name") + 1])
    for job in by_kind(manifests, "Job"):
        args = pod_spec(job)["containers"][0]["command"]
        pulled += args[args.index("pull") + 1 :]
    return served, pulled


@pytest.mark.parametrize(
    ("values_name", "extra"),
    [
        ("default", ()),
        ("dev", ()),
        ("prod", ()),
        ("dev", ("--set", "global.llm.model=llama3.1:8b")),
        ("prod", ("--set", "global.llm.model=mistral-small")),
        ("default", ("--set", "global.llm.backend=vllm", "--set", "global.llm.model=m7b")),
    ],
)
def test_the_orchestrator_asks_for_the_model_the_runner_serves(
    render: Callable[..., str], values_name: str, extra: tuple[str, ...]
) -> None:
    from services.kit.llm import configured_model
    from services.orchestrator.settings import Settings

    manifests = parse_manifests(render(values_name, *extra))
    asked = configured_model(settings_of(manifests, "orchestrator", Settings))
    served, pulled = served_and_pulled(manifests)
    if served:  # vLLM: the name it answers to is the name asked for
        assert served == {asked}
    else:  # Ollama: the Job pulls the very model the orchestrator asks for
        assert asked in pulled


# --- 7. contexts sized for agent prompts ----------------------------------------------------

# Cursor's agent mode sends system prompt, tool definitions and files: 10-30k tokens.
AGENT_PROMPT_TOKENS = 16384


def runner_context(manifests: list[Manifest]) -> int:
    runner = find(manifests, "Deployment", "ai-stack-llm-runner")
    args = pod_spec(runner)["containers"][0].get("args", [])
    if "--max-model-len" in args:
        return int(args[args.index("--max-model-len") + 1])
    return int(config_env(manifests, runner)["OLLAMA_CONTEXT_LENGTH"])


def test_runner_contexts_fit_agent_prompts(rendered: dict[str, list[Manifest]]) -> None:
    assert runner_context(rendered["prod"]) >= AGENT_PROMPT_TOKENS  # vLLM, --max-model-len
    assert runner_context(rendered["dev"]) >= AGENT_PROMPT_TOKENS  # OLLAMA_CONTEXT_LENGTH
    # The default llama3:8b-instruct: its trained context, stated instead of Ollama's 4096.
    assert runner_context(rendered["default"]) == 8192


# --- 5. one GPU shared ----------------------------------------------------------------------


def gpu_requests(manifests: list[Manifest]) -> int:
    total = 0
    for workload in by_kind(manifests, "Deployment", "StatefulSet"):
        for container in pod_spec(workload)["containers"]:
            total += int(container.get("resources", {}).get("limits", {}).get(GPU, 0))
    return total


def test_the_device_plugin_advertises_the_gpus_the_prod_pods_request(
    rendered: dict[str, list[Manifest]],
) -> None:
    plugin = yaml.safe_load((REPO / "k8s/nvidia/device-plugin-values.yaml").read_text())
    sharing = yaml.safe_load(plugin["config"]["map"]["default"])["sharing"]["timeSlicing"]
    (resource,) = [r for r in sharing["resources"] if r["name"] == GPU]
    physical = 1  # the desktop's one card
    assert gpu_requests(rendered["prod"]) <= resource["replicas"] * physical


def test_vllm_leaves_asr_its_share_of_the_card(
    rendered: dict[str, list[Manifest]], tools: dict
) -> None:
    from tests.platform.conftest import VALUES, run_helm, template_args

    runner = find(rendered["prod"], "Deployment", "ai-stack-llm-runner")
    args = pod_spec(runner)["containers"][0]["args"]
    share = float(args[args.index("--gpu-memory-utilization") + 1])
    values = yaml.safe_load((REPO / "charts/ai-stack/values-prod.yaml").read_text())
    card = values["llm-runner"]["gpu"]["memoryGiB"]
    asr = values["asr-api"]["gpu"]
    assert share * card + asr["memoryGiB"] <= card
    assert settings_compute_type(rendered["prod"]) == asr["computeType"]
    # A share that leaves asr-api too little fails the render, naming the fix.
    result = run_helm(
        *template_args(
            VALUES["prod"], "--set-json", 'llm-runner.vllm={"gpuMemoryUtilization": 0.95}'
        ),
        check=False,
    )
    assert result.returncode != 0
    assert "lower gpuMemoryUtilization to at most 0.88" in result.stderr


def settings_compute_type(manifests: list[Manifest]) -> str:
    env = config_env(manifests, find(manifests, "Deployment", "ai-stack-asr-api"))
    return env["ASR_COMPUTE_TYPE"]


# --- 9. key rotation rolls the pods; a generated key stays out of their template -------------


def pod_template(manifests: list[Manifest], name: str) -> dict:
    return find(manifests, "Deployment", f"ai-stack-{name}").body["spec"]["template"]


def test_changing_the_keys_rolls_the_gateway(render: Callable[..., str]) -> None:
    def annotations(*keys: str) -> dict[str, str]:
        flags = [f"gateway.apiKeys.keys[{i}]={k}" for i, k in enumerate(keys)]
        args = [arg for flag in flags for arg in ("--set", flag)]
        return pod_template(parse_manifests(render("prod", *args)), "gateway")["metadata"][
            "annotations"
        ]

    first = annotations("alice:sk-alice-0123456789abcdef")
    assert first == annotations("alice:sk-alice-0123456789abcdef")  # no change, no rollout
    rotated = annotations("alice:sk-alice-fedcba9876543210")
    assert rotated["checksum/api-keys"] != first["checksum/api-keys"]
    assert rotated["checksum/config"] == first["checksum/config"]  # the keys are not config


def test_a_generated_key_never_churns_the_pods(tools: dict) -> None:
    """Two renders without keys (GitOps: `helm template`, no lookup) generate two different
    keys; the pods must not change with them (use gateway.apiKeys.existingSecret there)."""
    from tests.platform.conftest import VALUES, run_helm, template_args

    one, two = (parse_manifests(run_helm(*template_args(VALUES["prod"])).stdout) for _ in "12")
    secret = "ai-stack-gateway-api-keys"
    assert find(one, "Secret", secret).body["data"] != find(two, "Secret", secret).body["data"]
    for name in ("gateway", "mcp", "tool-registry"):
        assert pod_template(one, name) == pod_template(two, name), name


# --- 10. only /v1 of the gateway is public --------------------------------------------------


def gateway_paths() -> set[str]:
    """Every path the gateway app serves (its own route table)."""
    from services.gateway.main import create_app
    from services.gateway.settings import Settings

    app = create_app(Settings(_env_file=None, gateway_api_keys=["sk-test-0123456789abcdef"]))
    paths = set(app.openapi()["paths"])
    return paths | {route.path for route in app.routes if hasattr(route, "path")}


def routed(path: str, rules: list[tuple[str, str]]) -> bool:
    """Whether an Ingress/HTTPRoute rule (type, path) sends ``path`` to its backend."""
    for kind, prefix in rules:
        if kind == "Exact" and path == prefix:
            return True
        if kind in ("Prefix", "PathPrefix"):
            base = prefix.rstrip("/")
            if path == prefix or path == base or path.startswith(base + "/"):
                return True
    return False


def gateway_rules(manifests: list[Manifest]) -> list[tuple[str, str]]:
    rules = []
    for ingress in by_kind(manifests, "Ingress"):
        for rule in ingress.body["spec"]["rules"]:
            for p in rule["http"]["paths"]:
                if p["backend"]["service"]["name"] == "ai-stack-gateway":
                    rules.append((p["pathType"], p["path"]))
    for route in by_kind(manifests, "HTTPRoute"):
        for rule in route.body["spec"]["rules"]:
            if any(ref["name"] == "ai-stack-gateway" for ref in rule["backendRefs"]):
                rules += [(m["path"]["type"], m["path"]["value"]) for m in rule["matches"]]
    return rules


@pytest.mark.parametrize("route", ["ingress", "httproute"])
def test_the_public_entry_serves_only_v1(render: Callable[..., str], route: str) -> None:
    extra: tuple[str, ...] = ()
    if route == "httproute":
        extra = (
            "--set", "global.ingress.httpRoute.enabled=true",
            "--api-versions", "gateway.networking.k8s.io/v1/HTTPRoute",
        )  # fmt: skip
    rules = gateway_rules(parse_manifests(render("prod", *extra)))
    assert rules, route
    paths = gateway_paths()
    public = {p for p in paths if routed(p, rules)}
    assert public == {p for p in paths if p.startswith("/v1/")}
    for private in ("/metrics", "/ready", "/health", "/openapi.json", "/docs"):
        assert private in paths and private not in public, private


# --- 11. images for the desktop's architecture ----------------------------------------------


def make_dry_run(*args: str) -> str:
    import subprocess

    result = subprocess.run(
        ["make", "--no-print-directory", "-n", *args],
        cwd=REPO, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.replace("\\\n", " ")


def builds(text: str) -> list[str]:
    return [line for line in text.splitlines() if "docker buildx build" in line]


def test_images_for_the_desktop_are_amd64_and_carry_the_gpu_asr_image() -> None:
    from tests.platform.components import image_table

    # The laptop's own build: its platform unless told (kind runs it), loaded into docker.
    laptop = builds(make_dry_run("build", "TAG=1.2.3"))
    assert len(laptop) == len(image_table(None))
    assert all("--platform" not in line and "--load" in line for line in laptop)
    arm = builds(make_dry_run("build", "PLATFORMS=linux/arm64", "TAG=1.2.3"))
    assert all("--platform linux/arm64" in line for line in arm)
    # What goes to the desktop: amd64 unless told, the prod profile's set (asr-api-gpu).
    for target in (("push", "REGISTRY=registry.example/me"), ("images-save",)):
        lines = builds(make_dry_run(*target, "TAG=1.2.3"))
        assert len(lines) == len(image_table("prod")), target
        assert all("--platform linux/amd64" in line for line in lines), target
        assert any("ai-stack/asr-api-gpu:1.2.3" in line for line in lines), target
        assert not any("ai-stack/asr-api:1.2.3" in line for line in lines), target
    both = builds(make_dry_run("push", "REGISTRY=r.example", "PLATFORMS=linux/amd64,linux/arm64"))
    assert all("--platform linux/amd64,linux/arm64" in line and "--push" in line for line in both)
    save = make_dry_run("images-save", "TAG=1.2.3")
    assert "ai-stack/asr-api-gpu:1.2.3" in save.split("docker save", 1)[1]


def test_the_docs_route_for_a_tarball_agrees_with_values_prod() -> None:
    """values-prod.yaml's registry is a placeholder; the tarball route must say to clear it
    (the images are on the node without a registry), and preflight refuses the placeholder."""
    docs = (REPO / "docs" / "platform.md").read_text(encoding="utf-8")
    values = yaml.safe_load((REPO / "charts/ai-stack/values-prod.yaml").read_text())
    registry = values["global"]["imageRegistry"]
    assert registry == "ghcr.io/your-user"
    assert 'set `global.imageRegistry: ""` in your values' in docs
    assert f"its registry `{registry}` is a placeholder" in docs
    assert "make images-save" in docs and "linux/amd64" in docs
