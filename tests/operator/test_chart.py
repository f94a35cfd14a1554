"""The operator in the chart (charts/ai-stack/charts/operator, behind operator.enabled): its
pod, RBAC, CRDs, the model table's wiring into the gateway and the orchestrator, and the
network edges it opens. The `all` values set of tests/platform turns it on, so every existing
chart check (strict lint, kubernetes-validate, checkov, Pod Security) covers it too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from operators.desired import knowledge, models
from operators.desired.common import Owner
from operators.desired.knowledge import KnowledgeBaseView
from operators.desired.models import ModelView
from operators.desired.spec import parse_knowledge_base, parse_model
from operators.settings import Settings
from tests.operator.conftest import CRDS
from tests.operator.netpol import allowed
from tests.platform.conftest import CHART, VALUES, run_helm, template_args, tools  # noqa: F401

pytestmark = pytest.mark.integration

ON = ("--set", "operator.enabled=true", "--set", "global.operator.enabled=true")


def render(*extra: str, values: tuple[Path, ...] = ()) -> list[dict[str, Any]]:
    text = run_helm(*template_args(values, *extra)).stdout
    return [d for d in yaml.safe_load_all(text) if d]


def find(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any] | None:
    return next((d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name), None)


def config(docs: list[dict[str, Any]], name: str) -> dict[str, str]:
    return find(docs, "ConfigMap", name)["data"]


@pytest.fixture(scope="module")
def rendered(tools: dict) -> dict[str, list[dict[str, Any]]]:  # noqa: F811
    return {
        "off": render(),
        "on": render(*ON),
        "vllm": render(*ON, "--set", "global.llm.backend=vllm"),
    }


def test_it_renders_only_when_enabled(rendered: dict) -> None:
    names = {(d["kind"], d["metadata"]["name"]) for d in rendered["off"]}
    assert not any("operator" in name for _, name in names)
    assert ("Deployment", "ai-stack-operator") in {
        (d["kind"], d["metadata"]["name"]) for d in rendered["on"]
    }
    # The `all` values set of the platform tests has it on.
    ci = yaml.safe_load((CHART / "ci" / "all-components-values.yaml").read_text())
    assert ci["operator"]["enabled"] and ci["global"]["operator"]["enabled"]
    assert VALUES["all"] == (CHART / "ci" / "all-components-values.yaml",)


def test_one_replica_recreate_a_probe_and_its_own_token(rendered: dict) -> None:
    deployment = find(rendered["on"], "Deployment", "ai-stack-operator")
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    spec = deployment["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "health"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/healthz", "port": "health"}
    assert container["ports"] == [{"name": "health", "containerPort": 8080, "protocol": "TCP"}]
    assert container["image"] == "ai-stack/operator:0.1.0"
    # No automounted token; the one it needs is projected explicitly (short-lived, rotated).
    assert spec["automountServiceAccountToken"] is False
    assert spec["serviceAccountName"] == "ai-stack-operator"
    projected = next(v for v in spec["volumes"] if v["name"] == "kube-api-access")["projected"]
    token = next(s for s in projected["sources"] if "serviceAccountToken" in s)
    assert token["serviceAccountToken"]["expirationSeconds"] <= 3600
    mount = next(m for m in container["volumeMounts"] if m["name"] == "kube-api-access")
    assert mount == {
        "name": "kube-api-access",
        "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
        "readOnly": True,
    }
    env = {e["name"]: e for e in container["env"]}
    assert env["OPERATOR_NAMESPACE"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.namespace"
    assert (
        env["AISTACK_SERVICE_TOKEN"]["valueFrom"]["secretKeyRef"]["name"]
        == "ai-stack-service-token"
    )


def test_rbac_is_its_crds_and_the_kinds_it_creates(rendered: dict) -> None:
    docs = rendered["on"]
    assert not [d for d in docs if d["kind"] in ("ClusterRole", "ClusterRoleBinding")]
    role = find(docs, "Role", "ai-stack-operator")
    binding = find(docs, "RoleBinding", "ai-stack-operator")
    assert binding["roleRef"]["name"] == role["metadata"]["name"]
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "ai-stack-operator"}]
    granted = {
        (group, resource)
        for rule in role["rules"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
    }
    own = {("aistack.dev", kind) for kind in ("models", "knowledgebases", "toolplugins")}
    own |= {(group, f"{kind}/status") for group, kind in own}
    made = {
        ("", "configmaps"),
        ("", "services"),
        ("apps", "deployments"),
        ("batch", "jobs"),
        ("batch", "cronjobs"),
        ("serving.kserve.io", "inferenceservices"),
        ("ray.io", "rayservices"),
    }
    events = {("", "events"), ("events.k8s.io", "events")}
    assert granted == own | made | events
    for rule in role["rules"]:
        assert "*" not in rule["verbs"] + rule["resources"] + rule["apiGroups"]
        assert not {"escalate", "bind", "impersonate"} & set(rule["verbs"])
    # The ConfigMaps it changes, by name; creating one cannot be limited by name.
    configmaps = [r for r in role["rules"] if r["resources"] == ["configmaps"]]
    by_name = next(r for r in configmaps if "resourceNames" in r)
    assert by_name["resourceNames"] == ["ai-stack-models", "ai-stack-tool-registry-manifests"]
    assert [r["verbs"] for r in configmaps if "resourceNames" not in r] == [["create"]]


def test_the_gateway_and_the_orchestrator_read_the_model_table(rendered: dict) -> None:
    for which in ("off", "on"):
        docs = rendered[which]
        for component in ("gateway", "orchestrator"):
            data = config(docs, f"ai-stack-{component}")
            spec = find(docs, "Deployment", f"ai-stack-{component}")["spec"]["template"]["spec"]
            volumes = {v["name"]: v for v in spec["volumes"]}
            if which == "off":
                assert "AISTACK_MODELS_FILE" not in data and "model-table" not in volumes
                continue
            assert data["AISTACK_MODELS_FILE"] == "/etc/ai-stack/models/models.yaml"
            assert volumes["model-table"]["configMap"] == {
                "name": "ai-stack-models",
                "optional": True,
            }
            mounts = spec["containers"][0]["volumeMounts"]
            assert {
                "name": "model-table",
                "mountPath": "/etc/ai-stack/models",
                "readOnly": True,
            } in mounts
    assert (
        config(rendered["on"], "ai-stack-operator")["OPERATOR_MODELS_CONFIGMAP"]
        == "ai-stack-models"
    )


@pytest.mark.parametrize("which", ["on", "vllm"])
def test_the_tables_configured_runner_is_the_orchestrators(rendered: dict, which: str) -> None:
    operator = config(rendered[which], "ai-stack-operator")
    orchestrator = config(rendered[which], "ai-stack-orchestrator")
    for key in ("LLM_BACKEND", "LLM_BASE_URL", "LLM_MODEL", "AISTACK_MODELS"):
        assert operator.get(key) == (
            orchestrator.get(key) or config(rendered[which], "ai-stack-gateway").get(key)
        ), key
    assert operator["RAG_URL"] == "http://ai-stack-rag-api:8082"
    assert operator["TOOLS_URL"] == "http://ai-stack-tool-registry:8086"


def test_operator_without_the_global_flag_is_refused(tools: dict) -> None:  # noqa: F811
    result = run_helm(*template_args((), "--set", "operator.enabled=true"), check=False)
    assert result.returncode != 0 and "global.operator.enabled" in result.stderr


def test_the_crds_come_with_the_chart_when_enabled(tools: dict) -> None:  # noqa: F811
    def crds(*extra: str) -> dict[str, dict]:
        docs = render("--include-crds", *extra)
        return {d["metadata"]["name"]: d for d in docs if d["kind"] == "CustomResourceDefinition"}

    assert crds() == {}
    shipped = {
        d["metadata"]["name"]: d
        for d in (yaml.safe_load(p.read_text()) for p in CRDS.glob("*.yaml"))
    }
    assert crds(*ON) == shipped
    assert set(shipped) == {
        "models.aistack.dev",
        "knowledgebases.aistack.dev",
        "toolplugins.aistack.dev",
    }


SETTINGS = Settings(operator_namespace="ai-stack", operator_release="ai-stack")


def labels(name: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": name, "app.kubernetes.io/instance": "ai-stack"}


def model_pod() -> dict[str, str]:
    view = ModelView(
        Owner("Model", "m", "ai-stack", "u"),
        parse_model({"engine": "vllm", "source": {"path": "w"}}),
    )
    return models.pod_labels(view, SETTINGS)


def ingest_pod() -> dict[str, str]:
    spec = {"sources": [{"url": "https://example.com/a.pdf"}]}
    view = KnowledgeBaseView(
        Owner("KnowledgeBase", "kb", "ai-stack", "u"), parse_knowledge_base(spec), spec
    )
    return knowledge.pod_labels(view, SETTINGS)


def policies(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == "NetworkPolicy"]


def test_the_operators_edges_are_open_and_nothing_else(rendered: dict) -> None:
    on, off = policies(rendered["on"]), policies(rendered["off"])
    operator = labels("operator")
    for target, port in (("rag-api", 8082), ("tool-registry", 8086), ("llm-runner", 11434)):
        assert allowed(on, operator, labels(target), port), target
    assert not allowed(on, operator, labels("qdrant"), 6333)
    assert not allowed(on, operator, labels("gateway"), 8080)
    # The ingestion Jobs' pods (the labels the operator gives them) reach rag-api only.
    assert allowed(on, ingest_pod(), labels("rag-api"), 8082)
    assert not allowed(on, ingest_pod(), labels("qdrant"), 6333)
    assert not allowed(on, ingest_pod(), labels("tool-registry"), 8086)
    # The Models' pods (the labels the operator gives them): the orchestrator reaches them.
    assert allowed(on, labels("orchestrator"), model_pod(), 8000)
    assert not allowed(on, operator, model_pod(), 8080)  # it asks the API, not the pods
    assert not allowed(on, labels("gateway"), model_pod(), 8000)
    assert not allowed(on, labels("rag-api"), model_pod(), 8000)
    # Without the operator none of that exists.
    assert not allowed(off, labels("orchestrator"), model_pod(), 8000)
    # The rest of the call graph is as it was.
    assert allowed(on, labels("gateway"), labels("orchestrator"), 8081)
    assert not allowed(on, labels("orchestrator"), labels("qdrant"), 6333)


def test_the_operator_reaches_the_api_server_and_dns(rendered: dict) -> None:
    own = find(rendered["on"], "NetworkPolicy", "ai-stack-operator")["spec"]
    ports = {p["port"] for rule in own["egress"] if "to" not in rule for p in rule["ports"]}
    assert ports == {443, 6443}
    narrowed = render(*ON, "--set", "operator.networkPolicy.apiServerCidrs={172.18.0.2/32}")
    own = find(narrowed, "NetworkPolicy", "ai-stack-operator")["spec"]
    (api,) = [r for r in own["egress"] if {p["port"] for p in r["ports"]} == {443, 6443}]
    assert api["to"] == [{"ipBlock": {"cidr": "172.18.0.2/32"}}]
