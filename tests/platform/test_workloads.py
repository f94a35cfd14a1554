"""Rules every rendered workload follows (docs: /work/shared/guides/kubernetes.md, Workloads)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest

from tests.platform.manifests import (
    Manifest,
    by_kind,
    component,
    containers,
    find,
    parse_manifests,
    pod_labels,
    pod_spec,
    workloads,
)

pytestmark = pytest.mark.integration

GPU = "nvidia.com/gpu"
MODEL_SERVERS = {"llm-runner", "asr-api"}
PSS_VOLUME_TYPES = {
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
}
STANDARD_LABELS = (
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/version",
    "app.kubernetes.io/component",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/managed-by",
    "helm.sh/chart",
)


def gpu_workloads(manifests: list[Manifest]) -> set[str]:
    found = set()
    for manifest in workloads(manifests):
        spec = pod_spec(manifest)
        if spec.get("runtimeClassName") or any(
            GPU in c.get("resources", {}).get("limits", {}) for c in containers(spec)
        ):
            found.add(manifest.ref)
    return found


def test_gpu_on_exactly_vllm_and_asr_in_prod(rendered: dict[str, list[Manifest]]) -> None:
    prod = rendered["prod"]
    assert gpu_workloads(prod) == {"Deployment/ai-stack-llm-runner", "Deployment/ai-stack-asr-api"}
    for name in ("ai-stack-llm-runner", "ai-stack-asr-api"):
        deployment = find(prod, "Deployment", name)
        spec = pod_spec(deployment)
        assert spec["runtimeClassName"] == "nvidia"
        assert deployment.body["spec"]["strategy"] == {"type": "Recreate"}
        (container,) = spec["containers"]
        limits, requests = container["resources"]["limits"], container["resources"]["requests"]
        assert limits[GPU] == 1 and requests.get(GPU, limits[GPU]) == limits[GPU]
    vllm = pod_spec(find(prod, "Deployment", "ai-stack-llm-runner"))
    assert vllm["containers"][0]["command"][-1] == "vllm.entrypoints.openai.api_server"
    shm = next(v for v in vllm["volumes"] if v["name"] == "shm")
    assert shm["emptyDir"]["medium"] == "Memory"
    assert {"name": "shm", "mountPath": "/dev/shm"} in vllm["containers"][0]["volumeMounts"]
    asr_env = config_env(prod, find(prod, "Deployment", "ai-stack-asr-api"))
    assert asr_env["ASR_DEVICE"] == "cuda"


@pytest.mark.parametrize("values_name", ["default", "dev"])
def test_no_gpu_outside_prod(rendered: dict[str, list[Manifest]], values_name: str) -> None:
    manifests = rendered[values_name]
    assert gpu_workloads(manifests) == set()
    assert "nvidia" not in str([m.body for m in manifests])
    asr = find(manifests, "Deployment", "ai-stack-asr-api")
    if asr is not None:
        assert config_env(manifests, asr)["ASR_DEVICE"] == "cpu"


def test_every_pod_meets_pod_security_restricted(manifests: list[Manifest]) -> None:
    for manifest in workloads(manifests):
        spec = pod_spec(manifest)
        pod_sc = spec.get("securityContext", {})
        where = manifest.ref
        for key in ("hostNetwork", "hostPID", "hostIPC"):
            assert not spec.get(key), where
        for volume in spec.get("volumes", []):
            assert set(volume) - {"name"} <= PSS_VOLUME_TYPES, (where, volume)
        for container in containers(spec):
            sc = container.get("securityContext", {})
            merged = {**pod_sc, **sc}
            assert merged.get("runAsNonRoot") is True, where
            assert merged.get("runAsUser", 1) != 0, where
            assert merged.get("seccompProfile", {}).get("type") == "RuntimeDefault", where
            assert sc.get("allowPrivilegeEscalation") is False, where
            assert not sc.get("privileged"), where
            assert sc.get("capabilities", {}).get("drop") == ["ALL"], where
            assert set(sc.get("capabilities", {}).get("add", [])) <= {"NET_BIND_SERVICE"}, where
            for port in container.get("ports", []):
                assert "hostPort" not in port, where


def test_root_filesystems_are_read_only_except_dev_sync(
    manifests: list[Manifest], values_name: str
) -> None:
    relaxed = set()
    for manifest in workloads(manifests):
        for container in containers(pod_spec(manifest)):
            if container.get("securityContext", {}).get("readOnlyRootFilesystem") is not True:
                relaxed.add(manifest.ref)
    # The components the dev profile syncs Python files into (one skaffold artifact each).
    allowed = {
        "Deployment/ai-stack-gateway",
        "Deployment/ai-stack-orchestrator",
        "Deployment/ai-stack-asr-api",
        "Deployment/ai-stack-rag-api",
        "Deployment/ai-stack-tool-registry",
        "Deployment/ai-stack-mcp",
    }
    assert relaxed == (allowed if values_name == "dev" else set())
    # Long-running pods get a writable /tmp (the one-shot helm test pods write nothing).
    for manifest in by_kind(manifests, "Deployment", "StatefulSet", "Job"):
        mounts = {
            m["mountPath"]
            for c in containers(pod_spec(manifest))
            for m in c.get("volumeMounts", [])
        }
        assert "/tmp" in mounts, f"{manifest.ref}: /tmp must be an emptyDir"


def test_workloads_have_probes_requests_and_memory_limits(manifests: list[Manifest]) -> None:
    for manifest in by_kind(manifests, "Deployment", "StatefulSet"):
        for container in containers(pod_spec(manifest)):
            where = f"{manifest.ref}/{container['name']}"
            assert "readinessProbe" in container and "livenessProbe" in container, where
            resources = container.get("resources", {})
            assert {"cpu", "memory"} <= set(resources.get("requests", {})), where
            assert "memory" in resources.get("limits", {}), where
        if component(manifest) in MODEL_SERVERS:
            (container,) = pod_spec(manifest)["containers"]
            assert container["startupProbe"]["failureThreshold"] >= 30, manifest.ref
    for manifest in by_kind(manifests, "Job", "Pod"):
        for container in containers(pod_spec(manifest)):
            assert "memory" in container["resources"]["limits"], manifest.ref


def config_env(manifests: list[Manifest], workload: Manifest) -> dict[str, str]:
    env = {}
    for container in containers(pod_spec(workload)):
        for source in container.get("envFrom", []):
            config = find(manifests, "ConfigMap", source["configMapRef"]["name"])
            env.update(config.body["data"])
    return env


def test_no_duplicate_env_ports_volumes_or_mounts(manifests: list[Manifest]) -> None:
    """Server-side apply (Helm 4's default) rejects pod specs that repeat these."""
    for manifest in workloads(manifests):
        spec = pod_spec(manifest)
        where = manifest.ref
        names = [v["name"] for v in spec.get("volumes", [])]
        assert not [n for n, k in Counter(names).items() if k > 1], where
        claim_templates = manifest.body["spec"].get("volumeClaimTemplates", [])
        names += [t["metadata"]["name"] for t in claim_templates]
        for container in containers(spec):
            env = [e["name"] for e in container.get("env", [])]
            for source in container.get("envFrom", []):
                config = find(manifests, "ConfigMap", source["configMapRef"]["name"])
                assert config is not None, where
                env += list(config.body["data"])
            assert not [n for n, k in Counter(env).items() if k > 1], where
            ports = [
                (p["containerPort"], p.get("protocol", "TCP")) for p in container.get("ports", [])
            ]
            assert len(ports) == len(set(ports)), where
            port_names = [p["name"] for p in container.get("ports", []) if "name" in p]
            assert len(port_names) == len(set(port_names)), where
            mounts = [m["mountPath"] for m in container.get("volumeMounts", [])]
            assert len(mounts) == len(set(mounts)), where
            assert {m["name"] for m in container.get("volumeMounts", [])} <= set(names), where


def test_labels_selectors_and_service_accounts(manifests: list[Manifest]) -> None:
    for manifest in manifests:
        labels = manifest.body["metadata"].get("labels", {})
        assert all(key in labels for key in STANDARD_LABELS), manifest.ref
        assert "namespace" not in manifest.body["metadata"], manifest.ref
    accounts = {m.name: m for m in by_kind(manifests, "ServiceAccount")}
    for account in accounts.values():
        assert account.body["automountServiceAccountToken"] is False
    for manifest in workloads(manifests):
        spec = pod_spec(manifest)
        assert spec["automountServiceAccountToken"] is False, manifest.ref
        if manifest.kind in ("Deployment", "StatefulSet"):
            selector = manifest.body["spec"]["selector"]["matchLabels"]
            assert set(selector) == {"app.kubernetes.io/name", "app.kubernetes.io/instance"}
            assert spec["serviceAccountName"] == manifest.name, "one ServiceAccount per component"
            assert manifest.name in accounts, manifest.ref
    workload_pods = [pod_labels(m) for m in by_kind(manifests, "Deployment", "StatefulSet")]
    for service in by_kind(manifests, "Service"):
        selector = service.body["spec"]["selector"]
        assert set(selector) == {"app.kubernetes.io/name", "app.kubernetes.io/instance"}
        assert any(selector.items() <= labels.items() for labels in workload_pods), service.ref
    # Helper pods (helm test, model pull) must never match a component's selector.
    for manifest in by_kind(manifests, "Pod", "Job"):
        name = pod_labels(manifest)["app.kubernetes.io/name"]
        assert name.endswith(("-test", "-pull")), manifest.ref


def test_helm_tests_call_each_health_endpoint(manifests: list[Manifest]) -> None:
    tests = by_kind(manifests, "Pod")
    assert all(t.body["metadata"]["annotations"]["helm.sh/hook"] == "test" for t in tests)
    urls = {t.body["spec"]["containers"][0]["command"][-1] for t in tests}
    for service in by_kind(manifests, "Service"):
        if service.name.endswith("-headless"):
            continue
        port = service.body["spec"]["ports"][0]["port"]
        assert any(u.startswith(f"http://{service.name}:{port}/") for u in urls), service.ref


def test_secrets_and_claims_referenced_by_pods_exist(manifests: list[Manifest]) -> None:
    secrets = {m.name for m in by_kind(manifests, "Secret")}
    claims = {m.name for m in by_kind(manifests, "PersistentVolumeClaim")} | {"ai-stack-models"}
    for manifest in workloads(manifests):
        spec = pod_spec(manifest)
        for container in containers(spec):
            for env in container.get("env", []):
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref and not ref.get("optional"):
                    assert ref["name"] in secrets, manifest.ref
        for volume in spec.get("volumes", []):
            if "persistentVolumeClaim" in volume:
                assert volume["persistentVolumeClaim"]["claimName"] in claims, manifest.ref


SEED_VOLUMES = {
    # seed volume: (workload, volume name in the pod, kind in the default render)
    "qdrant_data": ("StatefulSet/ai-stack-qdrant", "storage", "volumeClaimTemplate"),
    "rag_cache": ("Deployment/ai-stack-rag-api", "cache", "emptyDir"),
    "models": ("Deployment/ai-stack-llm-runner", "models", "persistentVolumeClaim"),
    "plugins": ("Deployment/ai-stack-tool-registry", "plugins", "persistentVolumeClaim"),
    "mcp_data": ("Deployment/ai-stack-mcp", "data", "persistentVolumeClaim"),
    "logs": ("Deployment/ai-stack-gateway", "logs", "emptyDir"),
    "gateway_state": ("Deployment/ai-stack-gateway", "state", "emptyDir"),
}


@pytest.mark.parametrize("seed", sorted(SEED_VOLUMES))
def test_every_seed_volume_is_a_pvc_or_a_deliberate_emptydir(
    rendered: dict[str, list[Manifest]], seed: str
) -> None:
    ref, volume_name, kind = SEED_VOLUMES[seed]
    workload = next(m for m in rendered["all"] if m.ref == ref)
    if kind == "volumeClaimTemplate":
        templates = workload.body["spec"]["volumeClaimTemplates"]
        assert [t["metadata"]["name"] for t in templates] == [volume_name]
        return
    volume = next(v for v in pod_spec(workload)["volumes"] if v["name"] == volume_name)
    assert kind in volume


def test_orchestrator_peers_follow_the_enabled_components(manifests: list[Manifest]) -> None:
    orchestrator = find(manifests, "Deployment", "ai-stack-orchestrator")
    env = config_env(manifests, orchestrator)
    gateway_env = config_env(manifests, find(manifests, "Deployment", "ai-stack-gateway"))
    for who, peer_env, variable, peer in (
        ("orchestrator", env, "RAG_URL", "rag-api"),
        ("orchestrator", env, "MCP_URL", "mcp"),
        ("orchestrator", env, "TOOLS_URL", "tool-registry"),
        ("gateway", gateway_env, "RAG_URL", "rag-api"),
        ("gateway", gateway_env, "ASR_URL", "asr-api"),
    ):
        deployed = find(manifests, "Deployment", f"ai-stack-{peer}") is not None
        assert (variable in peer_env) == deployed, f"{who}: {variable} vs {peer}.enabled"
        if deployed:
            assert peer_env[variable].startswith(f"http://ai-stack-{peer}:")
    assert "ASR_URL" not in env, "the orchestrator never calls asr-api"
    llm = find(manifests, "Service", "ai-stack-llm-runner")
    port = llm.body["spec"]["ports"][0]["port"]
    assert env["LLM_BASE_URL"] == f"http://ai-stack-llm-runner:{port}/v1"
    assert env["BIND_HOST"] == "0.0.0.0"
    gateway = config_env(manifests, find(manifests, "Deployment", "ai-stack-gateway"))
    assert gateway["ORCHESTRATOR_URL"] == "http://ai-stack-orchestrator:8081"
    assert gateway["HF_HUB_OFFLINE"] == "1"


def test_prod_pins_every_image(rendered: dict[str, list[Manifest]]) -> None:
    for manifest in workloads(rendered["prod"]):
        for container in containers(pod_spec(manifest)):
            image = container["image"]
            name, _, tag = image.rpartition(":")
            assert name and tag and "/" not in tag, image
            assert tag != "latest" and not tag.startswith("latest"), image
            # global.imageRegistry prefixes the stack's own images only.
            own = image.startswith("ghcr.io/your-user/")
            assert own == ("/ai-stack/" in image), image


def test_skaffold_tag_at_digest_becomes_an_image_reference(render: Callable[..., str]) -> None:
    digest = "sha256:" + "a" * 64
    docs = parse_manifests(
        render(
            "dev",
            "--set",
            "gateway.image.repository=ai-stack/gateway",
            "--set",
            f"gateway.image.tag=abc123@{digest}",
            "--set",
            "orchestrator.image.tag=abc123@",  # loaded into kind, never pushed: no digest
        )
    )
    images = {m.name: pod_spec(m)["containers"][0]["image"] for m in by_kind(docs, "Deployment")}
    assert images["ai-stack-gateway"] == f"ai-stack/gateway:abc123@{digest}"
    assert images["ai-stack-orchestrator"] == "ai-stack/orchestrator:abc123"


def test_pdb_and_hpa_only_with_two_replicas(
    render: Callable[..., str], manifests: list[Manifest]
) -> None:
    assert by_kind(manifests, "PodDisruptionBudget", "HorizontalPodAutoscaler") == []
    docs = parse_manifests(
        render(
            "default",
            "--set",
            "gateway.autoscaling.enabled=true",
            "--set",
            "gateway.redis.url=redis://redis.infra:6379",  # replicas share budgets (test_redis)
            "--set",
            "orchestrator.replicaCount=2",
        )
    )
    assert {m.ref for m in by_kind(docs, "PodDisruptionBudget")} == {
        "PodDisruptionBudget/ai-stack-gateway",
        "PodDisruptionBudget/ai-stack-orchestrator",
    }
    (hpa,) = by_kind(docs, "HorizontalPodAutoscaler")
    assert hpa.body["apiVersion"] == "autoscaling/v2"
    assert "replicas" not in find(docs, "Deployment", "ai-stack-gateway").body["spec"]


def test_no_hpa_on_gpu_pods(tools: dict) -> None:
    from tests.platform.conftest import VALUES, run_helm, template_args

    result = run_helm(
        *template_args(VALUES["prod"], "--set", "asr-api.autoscaling.enabled=true"), check=False
    )
    assert result.returncode != 0
    assert "exclude each other" in result.stderr


PYTHON_COMPONENTS = {"gateway", "orchestrator", "rag-api", "asr-api", "mcp", "tool-registry"}


@pytest.mark.parametrize("which", ["default", "prod"])
def test_every_python_service_reads_the_one_service_token(
    rendered: dict[str, list[Manifest]], which: str
) -> None:
    """The internal credential: one Secret, created once, read by every Python service."""
    manifests = rendered[which]
    secrets = [m for m in manifests if m.kind == "Secret" and m.name.endswith("service-token")]
    assert [s.name for s in secrets] == ["ai-stack-service-token"]
    assert secrets[0].body["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    python = [
        m for m in manifests
        if m.kind == "Deployment" and m.name.removeprefix("ai-stack-") in PYTHON_COMPONENTS
    ]  # fmt: skip
    assert len(python) >= 5
    for deployment in python:
        container = pod_spec(deployment)["containers"][0]
        (token,) = [e for e in container.get("env", []) if e["name"] == "AISTACK_SERVICE_TOKEN"]
        assert token["valueFrom"]["secretKeyRef"] == {
            "name": "ai-stack-service-token",
            "key": "AISTACK_SERVICE_TOKEN",
        }, deployment.name


def test_the_debug_route_is_off_in_production(rendered: dict[str, list[Manifest]]) -> None:
    def debug(values_name: str) -> str:
        config = find(rendered[values_name], "ConfigMap", "ai-stack-orchestrator")
        return config.body["data"]["ORCH_DEBUG"]

    assert debug("prod") == "false" and debug("dev") == "true"
