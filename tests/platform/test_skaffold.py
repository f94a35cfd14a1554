"""skaffold.yaml, checked structurally (skaffold itself cannot be installed on build machines)."""

from __future__ import annotations

import copy
import json
import re

import pytest
import yaml

from tests.platform.components import package_of
from tests.platform.conftest import CHART, REPO

pytestmark = pytest.mark.unit

SKAFFOLD = yaml.safe_load((REPO / "skaffold.yaml").read_text(encoding="utf-8"))
SCHEMA = json.loads((CHART / "values.schema.json").read_text(encoding="utf-8"))


def sanitized(image: str) -> str:
    """skaffold's template name for an artifact: `/`, `-` and `.` become `_`."""
    return re.sub(r"[/.\-]", "_", image)


def release(config: dict) -> dict:
    (only,) = config["deploy"]["helm"]["releases"]
    return only


def schema_has(path: str) -> bool:
    node = SCHEMA
    for key in path.split("."):
        node = node.get("properties", {}).get(key)
        if node is None:
            return False
    return True


def apply_patches(config: dict, patches: list[dict]) -> dict:
    """The JSON-patch subset skaffold profiles use here (add / replace)."""
    config = copy.deepcopy(config)
    for patch in patches:
        *parents, last = patch["path"].strip("/").split("/")
        node = config
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        assert patch["op"] in ("add", "replace")
        if isinstance(node, list):  # replace one element (the prod profile's asr-api image)
            assert patch["op"] == "replace" and int(last) < len(node), patch["path"]
            node[int(last)] = patch["value"]
            continue
        if patch.get("op", "replace") == "replace":
            assert last in node, patch["path"]
        node[last] = patch["value"]
    return config


def profile(name: str) -> dict:
    return next(p for p in SKAFFOLD["profiles"] if p["name"] == name)


def test_api_version_and_release() -> None:
    assert SKAFFOLD["apiVersion"] == "skaffold/v4beta14"
    assert SKAFFOLD["kind"] == "Config"
    rel = release(SKAFFOLD)
    assert (REPO / rel["chartPath"]).resolve() == CHART
    assert rel["skipBuildDependencies"] is True  # vendored subcharts


def component(artifact: dict) -> str:
    """The chart component an artifact's image is for (``ai-stack/<component>``)."""
    return str(artifact["image"]).removeprefix("ai-stack/")


def test_one_artifact_per_service_image() -> None:
    artifacts = SKAFFOLD["build"]["artifacts"]
    for artifact in artifacts:
        assert artifact["context"] == "."
        assert artifact["docker"]["dockerfile"] == "docker/Dockerfile"
        args = artifact["docker"]["buildArgs"]
        assert args["SERVICE"] == package_of(component(artifact))
        # The operator's package is operators/ (PACKAGE_DIR); the services' services/<SERVICE>.
        package = args.get("PACKAGE_DIR", f"services/{args['SERVICE']}")
        assert (REPO / package / "__main__.py").exists()
    assert len({component(a) for a in artifacts}) == len(artifacts)


def test_every_artifact_has_its_set_value_templates() -> None:
    templates = release(SKAFFOLD)["setValueTemplates"]
    expected = {}
    for artifact in SKAFFOLD["build"]["artifacts"]:
        name = component(artifact)
        n = sanitized(artifact["image"])
        expected[f"{name}.image.repository"] = f"{{{{.IMAGE_REPO_{n}}}}}"
        expected[f"{name}.image.tag"] = f"{{{{.IMAGE_TAG_{n}}}}}@{{{{.IMAGE_DIGEST_{n}}}}}"
    assert templates == expected


def test_every_set_value_key_exists_in_the_values_schema() -> None:
    keys = list(release(SKAFFOLD)["setValueTemplates"])
    for p in SKAFFOLD["profiles"]:
        keys += list(release(apply_patches(SKAFFOLD, p.get("patches", []))).get("setValues", {}))
    assert keys
    for key in keys:
        assert schema_has(key), key


def test_port_forwards_bind_loopback() -> None:
    forwards = {f["resourceName"]: f for f in SKAFFOLD["portForward"]}
    assert set(forwards) == {"ai-stack-gateway", "ai-stack-orchestrator", "ai-stack-rag-api"}
    for forward in forwards.values():
        assert forward["address"] == "127.0.0.1"
        assert forward["resourceType"] == "service"
        assert forward["namespace"] == release(SKAFFOLD)["namespace"]
    assert forwards["ai-stack-gateway"]["port"] == 8080
    assert forwards["ai-stack-orchestrator"]["port"] == 8081
    assert forwards["ai-stack-rag-api"]["port"] == 8082


def test_dev_profile_uses_kind_values_and_syncs_python() -> None:
    dev = apply_patches(SKAFFOLD, profile("dev")["patches"])
    assert release(dev)["valuesFiles"] == ["charts/ai-stack/values-dev.yaml"]
    assert dev["build"]["local"]["push"] is False
    # The services; the operator (operators/, PACKAGE_DIR) is rebuilt on edits, not synced.
    artifacts = dev["build"]["artifacts"]
    services = [a for a in artifacts if "PACKAGE_DIR" not in a["docker"]["buildArgs"]]
    assert all("sync" not in a for a in artifacts if a not in services)
    for artifact in services:
        (rule,) = artifact["sync"]["manual"]
        assert rule == {"src": "services/**/*.py", "dest": "/app"}
    dev_values = yaml.safe_load((CHART / "values-dev.yaml").read_text(encoding="utf-8"))
    for artifact in services:
        name = component(artifact)
        # The synced files must be reloaded and writable.
        assert dev_values[name]["devReload"] is True
        assert dev_values[name]["securityContext"]["readOnlyRootFilesystem"] is False
        # devReload is DEV_RELOAD for the image's own entry point, the kit's serve()
        # (test_workloads checks the rendered pods, tests/integration the reload itself).
        entry = REPO / "services" / package_of(name) / "__main__.py"
        assert "serve(" in entry.read_text(encoding="utf-8")


def test_prod_profile_pushes_and_uses_prod_values() -> None:
    prod = apply_patches(SKAFFOLD, profile("prod")["patches"])
    assert release(prod)["valuesFiles"] == ["charts/ai-stack/values-prod.yaml"]
    assert prod["build"]["local"]["push"] is True
    assert release(prod)["setValues"] == {"global.imageRegistry": ""}


def helm_timeout_s(config: dict) -> dict[str, int]:
    """deploy.helm.flags' --timeout for install and upgrade, in seconds."""
    flags = config["deploy"]["helm"]["flags"]
    found = {}
    for verb in ("install", "upgrade"):
        (value,) = [f.split("=", 1)[1] for f in flags[verb] if f.startswith("--timeout=")]
        number, unit = int(value[:-1]), value[-1]
        found[verb] = number * {"s": 1, "m": 60, "h": 3600}[unit]
    return found


@pytest.mark.integration
@pytest.mark.parametrize("name", ["dev", "prod"])
def test_helm_waits_longer_than_the_slowest_startup(render, name: str) -> None:
    """Helm's default 5-minute wait ends a first deploy (image pulls, vLLM loading weights)
    as a failed release: skaffold passes --timeout, longer than every startup window."""
    from tests.platform.manifests import by_kind, parse_manifests, pod_spec

    config = apply_patches(SKAFFOLD, profile(name)["patches"])
    timeouts = helm_timeout_s(config)
    windows = []
    for workload in by_kind(parse_manifests(render(name)), "Deployment", "StatefulSet"):
        for container in pod_spec(workload)["containers"]:
            probe = container.get("startupProbe") or container["readinessProbe"]
            windows.append(probe["periodSeconds"] * probe["failureThreshold"])
    pulls = 5 * 60  # first pulls of the images (vLLM's is ~10 GB)
    for verb, seconds in timeouts.items():
        assert seconds >= max(windows) + pulls, (verb, seconds, max(windows))


def test_every_profile_artifact_has_its_set_value_templates() -> None:
    """The prod profile swaps asr-api's image for asr-api-gpu: the chart must get that one."""
    for p in SKAFFOLD["profiles"]:
        config = apply_patches(SKAFFOLD, p["patches"])
        templates = release(config)["setValueTemplates"]
        for artifact in config["build"]["artifacts"]:
            n = sanitized(artifact["image"])
            name = component(artifact).removesuffix("-gpu")
            assert templates[f"{name}.image.repository"] == f"{{{{.IMAGE_REPO_{n}}}}}", p["name"]
            assert templates[f"{name}.image.tag"] == (
                f"{{{{.IMAGE_TAG_{n}}}}}@{{{{.IMAGE_DIGEST_{n}}}}}"
            ), p["name"]
    prod = apply_patches(SKAFFOLD, profile("prod")["patches"])
    assert prod["build"]["platforms"] == ["linux/amd64"]  # the desktop, whatever builds it
