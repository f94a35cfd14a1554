"""The mcp Deployment in the rendered chart: its domains file (a ConfigMap equal to the one
shipped in the image), the gateway's keys, the Host list, the /<domain>/mcp routes on the
public host and who may reach it (and whom it reaches)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import yaml

from services.mcp.settings import DEFAULT_DOMAINS_FILE
from tests.platform.conftest import CHART, OPTIONAL_APIS
from tests.platform.manifests import Manifest, by_kind, find, parse_manifests, pod_spec
from tests.platform.test_network import component_policies, peer_names
from tests.platform.test_workloads import config_env

pytestmark = pytest.mark.integration

NAME = "ai-stack-mcp"
SHIPPED = yaml.safe_load(DEFAULT_DOMAINS_FILE.read_text(encoding="utf-8"))
PATHS = sorted(f"/{domain}/mcp" for domain in SHIPPED["domains"])


def mcp(manifests: list[Manifest]) -> Manifest:
    deployment = find(manifests, "Deployment", NAME)
    assert deployment is not None, "mcp is enabled in every values set"
    return deployment


def test_the_chart_default_domains_are_the_shipped_file() -> None:
    values = yaml.safe_load((CHART / "charts" / "mcp" / "values.yaml").read_text())
    assert values["domains"] == SHIPPED["domains"]


def test_domains_configmap_keys_probes_and_image(
    manifests: list[Manifest], values_name: str
) -> None:
    deployment = mcp(manifests)
    spec = pod_spec(deployment)
    (container,) = spec["containers"]
    env = config_env(manifests, deployment)
    assert env["MCP_PORT"] == "8085" and env["BIND_HOST"] == "0.0.0.0"
    assert env["RAG_URL"] == "http://ai-stack-rag-api:8082"
    assert env["MCP_INGEST_ON_START"] == "true"
    # MCP_DOMAINS_FILE is the ConfigMap, mounted read-only, and holds the shipped domains.
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in spec["volumes"]}
    folder, _, filename = env["MCP_DOMAINS_FILE"].rpartition("/")
    assert mounts[folder]["readOnly"] is True
    config = find(manifests, "ConfigMap", volumes[mounts[folder]["name"]]["configMap"]["name"])
    assert yaml.safe_load(config.body["data"][filename]) == SHIPPED
    # The data volume (seed mcp_data) is the state folder.
    assert env["AISTACK_HOME"] == "/data" and "/data" in mounts
    by_name = {e["name"]: e for e in container["env"]}
    keys = by_name["GATEWAY_API_KEYS"]
    assert set(by_name) == {"GATEWAY_API_KEYS", "AISTACK_SERVICE_TOKEN"}
    assert keys["name"] == "GATEWAY_API_KEYS"
    gateway = pod_spec(find(manifests, "Deployment", "ai-stack-gateway"))["containers"][0]
    gateway_env = {e["name"]: e for e in gateway["env"]}
    assert gateway_env["GATEWAY_API_KEYS"]["valueFrom"] == keys["valueFrom"], "one key store"
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert container["image"].rsplit(":", 1)[0].endswith("ai-stack/mcp")
    # Dev reloads through the image's own entry point (DEV_RELOAD), never a command override.
    assert "command" not in container
    if values_name == "dev":
        assert config_env(manifests, mcp(manifests))["DEV_RELOAD"] == "true"


def test_a_changed_domains_file_restarts_the_pods(render: Callable[..., str]) -> None:
    def revision(*extra: str) -> str:
        docs = parse_manifests(render("default", *extra))
        return config_env(docs, mcp(docs))["MCP_DOMAINS_REVISION"]

    changed = revision("--set", "mcp.domains.chem.title=Process chemistry")
    assert changed != revision()
    docs = parse_manifests(render("default", "--set", "mcp.domains.chem.title=Process chemistry"))
    config = find(docs, "ConfigMap", f"{NAME}-domains")
    assert yaml.safe_load(config.body["data"]["domains.yaml"])["domains"]["chem"]["title"] == (
        "Process chemistry"
    )


@pytest.mark.parametrize("values_name", ["dev", "prod"])
def test_each_domain_is_routed_on_the_public_host(
    rendered: dict[str, list[Manifest]], values_name: str
) -> None:
    manifests = rendered[values_name]
    gateway = find(manifests, "Ingress", "ai-stack-gateway")
    ingress = find(manifests, "Ingress", NAME)
    assert gateway is not None and ingress is not None
    (rule,) = ingress.body["spec"]["rules"]
    host = gateway.body["spec"]["rules"][0]["host"]
    assert rule["host"] == host
    paths = rule["http"]["paths"]
    assert sorted(p["path"] for p in paths) == PATHS
    for path in paths:
        assert path["pathType"] == "Exact", "never shadows the gateway's routes"
        assert path["backend"]["service"] == {"name": NAME, "port": {"name": "http"}}
    # The gateway's public part is /v1 (its probes and /metrics stay in the cluster).
    (gateway_path,) = gateway.body["spec"]["rules"][0]["http"]["paths"]
    assert (gateway_path["path"], gateway_path["pathType"]) == ("/v1", "Prefix")
    assert ingress.body["spec"].get("tls") == gateway.body["spec"].get("tls")
    assert "cert-manager.io/cluster-issuer" not in ingress.body["metadata"].get("annotations", {})
    # The Host the ingress passes through is allowed, as are the in-cluster Service names.
    env = config_env(manifests, mcp(manifests))
    allowed = env["MCP_ALLOWED_HOSTS"].split(",")
    assert host in allowed and NAME in allowed
    assert f"https://{host}" in env["MCP_ALLOWED_ORIGINS"].split(",")


def test_no_public_route_without_an_ingress(rendered: dict[str, list[Manifest]]) -> None:
    manifests = rendered["default"]
    assert find(manifests, "Ingress", NAME) is None
    env = config_env(manifests, mcp(manifests))
    assert env["MCP_ALLOWED_HOSTS"].split(",")[0] == NAME
    assert "ai-stack.localtest.me" not in env["MCP_ALLOWED_HOSTS"]


def test_the_http_route_carries_the_same_paths(render: Callable[..., str]) -> None:
    apis = [f for api in OPTIONAL_APIS for f in ("--api-versions", api)]
    docs = parse_manifests(render("dev", *apis, "--set", "global.ingress.httpRoute.enabled=true"))
    route = find(docs, "HTTPRoute", NAME)
    assert route is not None
    (rule,) = route.body["spec"]["rules"]
    assert sorted(m["path"]["value"] for m in rule["matches"]) == PATHS
    assert {m["path"]["type"] for m in rule["matches"]} == {"Exact"}
    assert rule["backendRefs"] == [{"name": NAME, "port": 8085}]
    assert route.body["spec"]["hostnames"] == ["ai-stack.localtest.me"]


def test_network_policy_ingress_controller_orchestrator_in_rag_api_out(
    manifests: list[Manifest], values_name: str
) -> None:
    policies = component_policies(manifests)
    policy = policies["mcp"]
    sources = set().union(*(peer_names(r["from"]) for r in policy["ingress"]))
    assert sources == {"orchestrator", "mcp-test"}
    namespaces = {
        p["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
        for r in policy["ingress"]
        for p in r["from"]
        if "namespaceSelector" in p
    }
    if values_name in ("dev", "prod"):
        assert {"traefik" if values_name == "dev" else "kube-system"} <= namespaces
    callees = set().union(*(peer_names(r.get("to", [])) for r in policy["egress"][1:]))
    assert callees == {"rag-api"}
    rag_sources = set().union(*(peer_names(r["from"]) for r in policies["rag-api"]["ingress"]))
    assert "mcp" in rag_sources, "rag-api admits the MCP servers"
    orchestrator = config_env(manifests, find(manifests, "Deployment", "ai-stack-orchestrator"))
    assert orchestrator["MCP_URL"] == "http://ai-stack-mcp:8085"


def test_only_the_gateway_and_the_mcp_paths_are_public(rendered: dict[str, list[Manifest]]) -> None:
    for manifests in rendered.values():
        public = {
            (i.name, p["path"])
            for i in by_kind(manifests, "Ingress")
            for r in i.body["spec"]["rules"]
            for p in r["http"]["paths"]
        }
        mine = {p for name, p in public if name == NAME}
        assert mine in (set(), set(PATHS))
