"""Shared rate limits in the chart (#18, 5): several gateway replicas draw on one Redis.

One replica counts budgets in its own memory. Two would each count alone, so a key gets its
budget once per replica: the chart refuses to render that without Redis. The URL comes from
`gateway.redis.url` (no credentials: it lands in a ConfigMap) or a Secret; the gateway's
NetworkPolicy opens egress to Redis on its port only. The gateway's side (two processes, one
Redis, one budget; a dead Redis) is tested in tests/integration/test_gateway_replicas.py.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.platform.conftest import run_helm, template_args
from tests.platform.manifests import Manifest, by_kind, find, parse_manifests, pod_spec

pytestmark = pytest.mark.integration

URL = "redis://redis.infra.svc.cluster.local:6379/0"


def refused(*sets: str) -> str:
    args = [a for s in sets for a in ("--set", s)]
    result = run_helm(*template_args((), *args), check=False)
    assert result.returncode != 0, f"rendered although it must not: {sets}"
    return result.stderr


def gateway_policy(manifests: list[Manifest]) -> dict:
    (policy,) = [
        p for p in by_kind(manifests, "NetworkPolicy")
        if p.body["spec"]["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/name")
        == "gateway"
    ]  # fmt: skip
    return policy.body["spec"]


def gateway_env(manifests: list[Manifest]) -> tuple[dict[str, str], list[dict]]:
    config = find(manifests, "ConfigMap", "ai-stack-gateway")
    deployment = find(manifests, "Deployment", "ai-stack-gateway")
    assert config is not None and deployment is not None
    (container,) = pod_spec(deployment)["containers"]
    return config.body["data"], container.get("env", [])


def redis_rules(spec: dict) -> list[dict]:
    return [r for r in spec["egress"] if {"port": 6379, "protocol": "TCP"} in r.get("ports", [])]


def test_several_replicas_without_redis_are_refused_with_what_to_set() -> None:
    for sets in (("gateway.replicaCount=2",), ("gateway.autoscaling.enabled=true",)):
        message = refused(*sets)
        assert "would each count rate limits alone" in message
        assert "gateway.redis.url or gateway.redis.existingSecret" in message


def test_a_url_with_credentials_or_another_scheme_is_refused() -> None:
    message = refused("gateway.redis.url=redis://:hunter2hunter2@redis:6379")
    assert "carries credentials" in message and "gateway.redis.existingSecret" in message
    assert "'/gateway/redis/url': 'http://redis:6379' does not match" in refused(
        "gateway.redis.url=http://redis:6379"
    )
    assert "not both" in refused(f"gateway.redis.url={URL}", "gateway.redis.existingSecret=r")


def test_one_replica_keeps_counters_in_memory_and_opens_no_redis_egress(
    manifests: list[Manifest],
) -> None:
    data, env = gateway_env(manifests)
    assert "REDIS_URL" not in data and all(e["name"] != "REDIS_URL" for e in env)
    assert redis_rules(gateway_policy(manifests)) == []


def test_the_url_reaches_the_gateway_and_only_its_policy_opens_the_redis_port(
    render: Callable[..., str],
) -> None:
    manifests = parse_manifests(
        render("default", "--set", "gateway.replicaCount=2", "--set", f"gateway.redis.url={URL}")
    )
    data, _ = gateway_env(manifests)
    assert data["REDIS_URL"] == URL
    (rule,) = redis_rules(gateway_policy(manifests))
    assert "to" not in rule and rule["ports"] == [{"port": 6379, "protocol": "TCP"}]
    others = [
        p.body["spec"] for p in by_kind(manifests, "NetworkPolicy")
        if p.body["spec"]["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/name")
        not in (None, "gateway")
    ]  # fmt: skip
    assert others and all(redis_rules(spec) == [] for spec in others)


def test_a_url_with_a_password_comes_from_a_secret_and_the_egress_from_values(
    render: Callable[..., str],
) -> None:
    manifests = parse_manifests(
        render(
            "prod",
            "--set", "gateway.autoscaling.enabled=true",
            "--set", "gateway.redis.existingSecret=shared-redis",
            "--set", "gateway.redis.networkPolicyTo[0].namespaceSelector.matchLabels.team=infra",
        )
    )  # fmt: skip
    data, env = gateway_env(manifests)
    assert "REDIS_URL" not in data
    (entry,) = [e for e in env if e["name"] == "REDIS_URL"]
    assert entry["valueFrom"]["secretKeyRef"] == {"name": "shared-redis", "key": "REDIS_URL"}
    (rule,) = redis_rules(gateway_policy(manifests))
    assert rule["to"] == [{"namespaceSelector": {"matchLabels": {"team": "infra"}}}]
