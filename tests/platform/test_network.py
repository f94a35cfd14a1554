"""NetworkPolicies: default deny ingress, allows along the call graph, DNS egress.

The call graph is read from the services' code (tests/platform/call_graph.py), so a policy
that allows a call nothing makes, or blocks one the code makes, fails here.
"""

from __future__ import annotations

import pytest

from tests.platform.call_graph import call_graph, callers_of, unmapped_peer_settings
from tests.platform.manifests import Manifest, by_kind, component, pod_labels

pytestmark = pytest.mark.integration
# Pods that are not components: each component's helm test pod, the model-pull Job.
HELPERS = ("-test", "-pull")


def component_policies(manifests: list[Manifest]) -> dict[str, dict]:
    policies = {}
    for policy in by_kind(manifests, "NetworkPolicy"):
        selector = policy.body["spec"]["podSelector"].get("matchLabels", {})
        if "app.kubernetes.io/name" in selector:
            policies[selector["app.kubernetes.io/name"]] = policy.body["spec"]
    return policies


def peer_names(peers: list[dict]) -> set[str]:
    names = set()
    for peer in peers:
        labels = peer.get("podSelector", {}).get("matchLabels", {})
        if "namespaceSelector" not in peer and "app.kubernetes.io/name" in labels:
            assert labels["app.kubernetes.io/instance"] == "ai-stack"
            names.add(labels["app.kubernetes.io/name"])
    return names


def test_default_deny_ingress_for_every_pod_of_the_release(manifests: list[Manifest]) -> None:
    (deny,) = [
        p for p in by_kind(manifests, "NetworkPolicy") if p.name.endswith("default-deny-ingress")
    ]
    assert deny.body["spec"] == {
        "podSelector": {"matchLabels": {"app.kubernetes.io/instance": "ai-stack"}},
        "policyTypes": ["Ingress"],
    }


def test_every_component_has_its_policy(manifests: list[Manifest]) -> None:
    deployed = {component(m) for m in by_kind(manifests, "Deployment", "StatefulSet")}
    assert set(component_policies(manifests)) == deployed


def test_the_call_graph_comes_from_the_code() -> None:
    assert unmapped_peer_settings() == set(), "map the new peer setting in call_graph.py"
    graph = call_graph()
    # What the code does today; the policies below are compared with the derived graph.
    assert graph["gateway"] == {"orchestrator", "rag-api", "asr-api"}
    assert graph["asr-api"] == {"rag-api"}
    assert "asr-api" not in graph["orchestrator"]


def ingress_backends(manifests: list[Manifest]) -> set[str]:
    """The components the public Ingress / HTTPRoute objects route to."""
    services = set()
    for ingress in by_kind(manifests, "Ingress"):
        for rule in ingress.body["spec"]["rules"]:
            services |= {p["backend"]["service"]["name"] for p in rule["http"]["paths"]}
    for route in by_kind(manifests, "HTTPRoute"):
        for rule in route.body["spec"]["rules"]:
            services |= {ref["name"] for ref in rule["backendRefs"]}
    return {name.removeprefix("ai-stack-") for name in services}


def test_ingress_follows_the_call_graph(manifests: list[Manifest], values_name: str) -> None:
    policies = component_policies(manifests)
    backends = ingress_backends(manifests)
    for name, spec in policies.items():
        if name not in call_graph():
            continue  # not one of the stack's services (the operator talks to the API server)
        sources: set[str] = set()
        from_namespaces = set()
        for rule in spec["ingress"]:
            sources |= peer_names(rule["from"])
            from_namespaces |= {
                p["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
                for p in rule["from"]
                if "namespaceSelector" in p
            }
            assert rule["ports"], f"{name}: ingress without a port list"
        callers = {s for s in sources if not s.endswith(HELPERS)}
        assert callers == callers_of(name) & set(policies), name
        assert f"{name}-test" in sources, f"{name}: its helm test pod must reach it"
        expected_namespaces = set()
        # The controller reaches exactly what the Ingress routes to (the gateway's /v1, the
        # registry's /mcp, the domains' /<domain>/mcp).
        if name in backends:
            expected_namespaces = {"traefik" if values_name == "dev" else "kube-system"}
        if values_name == "prod":  # ServiceMonitors on: Prometheus scrapes /metrics
            expected_namespaces.add("monitoring")
        assert from_namespaces == expected_namespaces, name


def test_egress_is_dns_plus_the_callees(manifests: list[Manifest]) -> None:
    policies = component_policies(manifests)
    deployed = set(policies)
    for name, spec in policies.items():
        assert "Egress" in spec["policyTypes"]
        dns = spec["egress"][0]
        assert {(p["port"], p["protocol"]) for p in dns["ports"]} == {(53, "UDP"), (53, "TCP")}
        assert dns["to"][0]["namespaceSelector"]["matchLabels"] == {
            "kubernetes.io/metadata.name": "kube-system"
        }
        callees = set()
        for rule in spec["egress"][1:]:
            callees |= peer_names(rule.get("to", []))
        # Peers switched off are not called.
        if name in call_graph():
            assert callees == call_graph()[name] & deployed, name


def test_only_the_model_pull_reaches_the_internet(
    manifests: list[Manifest], values_name: str
) -> None:
    internet = set()
    for name, spec in component_policies(manifests).items():
        for rule in spec["egress"]:
            if any("ipBlock" in peer for peer in rule.get("to", [])):
                internet.add(name)
                assert rule["ports"] == [{"port": 443, "protocol": "TCP"}]
    pulls = [
        m
        for m in by_kind(manifests, "Job")
        if pod_labels(m)["app.kubernetes.io/name"] == "llm-runner-pull"
    ]
    assert internet == ({"llm-runner"} if pulls else set())
    assert bool(pulls) == (values_name != "prod")
