"""The tool-registry Deployment in the rendered chart: its plugins folders (the PVC and the
ConfigMap of manifests), the gateway's keys, probes, the /mcp route and who may reach it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from services.tool_registry.manifest import load_manifest
from tests.platform.conftest import run_helm, template_args
from tests.platform.manifests import Manifest, by_kind, find, parse_manifests, pod_spec
from tests.platform.test_workloads import config_env

pytestmark = pytest.mark.integration

NAME = "ai-stack-tool-registry"


def registry(manifests: list[Manifest]) -> Manifest:
    deployment = find(manifests, "Deployment", NAME)
    assert deployment is not None, "tool-registry is enabled in every values set"
    return deployment


def test_plugins_folders_keys_and_probes(manifests: list[Manifest]) -> None:
    deployment = registry(manifests)
    spec = pod_spec(deployment)
    (container,) = spec["containers"]
    env = config_env(manifests, deployment)
    assert env["PLUGINS_DIR"] == "/plugins:/etc/ai-stack/tools"
    assert env["TOOLS_PORT"] == "8086" and env["BIND_HOST"] == "0.0.0.0"
    assert env["TOOLS_DEFAULT_TIMEOUT_S"] == "30"
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert volumes[mounts["/plugins"]["name"]]["persistentVolumeClaim"]["claimName"] == (
        f"{NAME}-plugins"
    )
    manifests_mount = mounts["/etc/ai-stack/tools"]
    assert manifests_mount["readOnly"] is True
    config = volumes[manifests_mount["name"]]["configMap"]["name"]
    assert find(manifests, "ConfigMap", config) is not None
    assert find(manifests, "PersistentVolumeClaim", f"{NAME}-plugins") is not None
    by_name = {e["name"]: e for e in container["env"]}
    keys = by_name["GATEWAY_API_KEYS"]
    assert set(by_name) == {"GATEWAY_API_KEYS", "AISTACK_SERVICE_TOKEN"}
    assert keys["name"] == "GATEWAY_API_KEYS"
    ref = keys["valueFrom"]["secretKeyRef"]
    assert ref == {"name": "ai-stack-gateway-api-keys", "key": "GATEWAY_API_KEYS"}
    gateway = pod_spec(find(manifests, "Deployment", "ai-stack-gateway"))["containers"][0]
    gateway_env = {e["name"]: e for e in gateway["env"]}
    assert gateway_env["GATEWAY_API_KEYS"]["valueFrom"]["secretKeyRef"] == ref, "one key store"
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert "memory" in container["resources"]["limits"]


@pytest.mark.parametrize("values_name", ["dev", "prod"])
def test_mcp_is_routed_on_the_public_host(
    rendered: dict[str, list[Manifest]], values_name: str
) -> None:
    manifests = rendered[values_name]
    gateway = find(manifests, "Ingress", "ai-stack-gateway")
    ingress = find(manifests, "Ingress", NAME)
    assert gateway is not None and ingress is not None
    (rule,) = ingress.body["spec"]["rules"]
    assert rule["host"] == gateway.body["spec"]["rules"][0]["host"]
    (path,) = rule["http"]["paths"]
    assert (path["path"], path["pathType"]) == ("/mcp", "Exact")
    assert path["backend"]["service"] == {"name": NAME, "port": {"name": "http"}}
    assert ingress.body["spec"].get("tls") == gateway.body["spec"].get("tls")
    # The gateway's Ingress owns the certificate; a second issuer annotation would fight it.
    assert "cert-manager.io/cluster-issuer" not in ingress.body["metadata"].get("annotations", {})
    env = config_env(manifests, registry(manifests))
    allowed = env["TOOLS_MCP_ALLOWED_HOSTS"].split(",")
    assert rule["host"] in allowed and NAME in allowed
    policy = find(manifests, "NetworkPolicy", NAME).body["spec"]
    namespaces = [
        p["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
        for r in policy["ingress"]
        for p in r["from"]
        if "namespaceSelector" in p
    ]
    controller = "traefik" if values_name == "dev" else "kube-system"
    assert controller in namespaces


def test_no_public_route_without_ingress(rendered: dict[str, list[Manifest]]) -> None:
    manifests = rendered["default"]
    assert find(manifests, "Ingress", NAME) is None
    policy = find(manifests, "NetworkPolicy", NAME).body["spec"]
    assert all("namespaceSelector" not in p for r in policy["ingress"] for p in r["from"])
    orchestrator = config_env(manifests, find(manifests, "Deployment", "ai-stack-orchestrator"))
    assert orchestrator["TOOLS_URL"] == "http://ai-stack-tool-registry:8086"


def test_shipped_manifests_are_valid_tools(rendered: dict[str, list[Manifest]]) -> None:
    manifests = rendered["dev"]
    config = find(manifests, "ConfigMap", f"{NAME}-manifests")
    assert set(config.body["data"]) == {"word_count.tool.yaml"}
    for filename, text in config.body["data"].items():
        tool = load_manifest(Path(filename), text.encode())
        assert tool.name == "word_count" and tool.argv[0] == "wc"


def test_values_variants(render: Callable[..., str]) -> None:
    docs = parse_manifests(
        render(
            "default",
            "--set", "tool-registry.persistence.plugins.type=emptyDir",
            "--set", "tool-registry.apiKeys.fileSecret=tool-keys",
            "--set", "tool-registry.mcpEndpoint.allowedHosts={tools.example.com}",
        )
    )  # fmt: skip
    deployment = registry(docs)
    assert find(docs, "PersistentVolumeClaim", f"{NAME}-plugins") is None
    volumes = {v["name"]: v for v in pod_spec(deployment)["volumes"]}
    assert "emptyDir" in volumes["plugins"]
    assert volumes["api-keys-file"]["secret"]["secretName"] == "tool-keys"
    env = config_env(docs, deployment)
    assert env["GATEWAY_API_KEYS_FILE"] == "/etc/ai-stack/keys/keys.yaml"
    assert "tools.example.com" in env["TOOLS_MCP_ALLOWED_HOSTS"].split(",")
    assert len(by_kind(docs, "Ingress")) == 0


def test_manifest_file_names_are_checked(tools: dict[str, Path]) -> None:
    result = run_helm(
        *template_args((), "--set", "tool-registry.manifests.notes\\.txt=hello"), check=False
    )
    assert result.returncode != 0 and "'notes.txt' does not match pattern" in result.stderr
