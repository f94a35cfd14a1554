"""NetworkPolicies: default deny ingress, allows along the call graph, DNS egress."""

from __future__ import annotations

import pytest

from tests.platform.manifests import Manifest, by_kind, component, pod_labels

pytestmark = pytest.mark.integration

# Who may call whom (the seed's architecture):
#   ingress -> gateway -> orchestrator -> tool-registry / mcp / rag-api / asr-api / llm-runner
#   rag-api -> qdrant; mcp -> rag-api (search, and its baseline corpora)
CALLERS = {
    "gateway": set(),
    "orchestrator": {"gateway"},
    "tool-registry": {"orchestrator"},
    "mcp": {"orchestrator"},
    "rag-api": {"orchestrator", "mcp"},
    "asr-api": {"orchestrator"},
    "llm-runner": {"orchestrator"},
    "qdrant": {"rag-api"},
}
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


def test_ingress_follows_the_call_graph(manifests: list[Manifest], values_name: str) -> None:
    for name, spec in component_policies(manifests).items():
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
        assert callers == CALLERS[name], name
        assert f"{name}-test" in sources, f"{name}: its helm test pod must reach it"
        expected_namespaces = set()
        # Ingress on: the controller reaches the gateway, the registry's /mcp route and the
        # domains' /<domain>/mcp routes.
        if name in ("gateway", "tool-registry", "mcp") and values_name not in ("default", "all"):
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
        expected = {callee for callee, callers in CALLERS.items() if name in callers}
        if name == "orchestrator":
            expected &= deployed  # peers switched off are not called
        assert callees == expected, name


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
