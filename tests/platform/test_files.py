"""The platform's other files: YAML hygiene, kind, k8s/ manifests, the make targets, the docs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.platform.components import image_table
from tests.platform.conftest import CHART, REPO

HERE = Path(__file__).resolve().parent
YAML_FILES = sorted(
    {
        *CHART.glob("values*.yaml"),
        *CHART.glob("checkov-skips.yaml"),
        *(CHART / "charts").glob("*/values.yaml"),
        *CHART.rglob("Chart.yaml"),
        REPO / "skaffold.yaml",
        REPO / "kind-config.yaml",
        *REPO.glob("k8s/**/*.yaml"),
    }
)
K8S_MANIFESTS = sorted(p for p in REPO.glob("k8s/**/*.yaml") if not p.name.endswith("values.yaml"))
PLATFORM_MK = (REPO / "mk" / "platform.mk").read_text(encoding="utf-8")
TARGETS = (
    "tools",
    "kind-up",
    "kind-down",
    "dev",
    "build",
    "push",
    "images-save",
    "images-load",
    "deploy-prod",
    "preflight",
    "gpu-libs",
    "chart-lint",
    "chart-test",
    "e2e-kind",
)


@pytest.mark.integration
def test_yamllint() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "yamllint",
            "--strict",
            "-c",
            str(HERE / "yamllint.yaml"),
            *map(str, YAML_FILES),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.unit
def test_kind_config() -> None:
    config = yaml.safe_load((REPO / "kind-config.yaml").read_text(encoding="utf-8"))
    assert config["apiVersion"] == "kind.x-k8s.io/v1alpha4"
    (node,) = config["nodes"]
    assert node["labels"]["ingress-ready"] == "true"
    mappings = {(m["containerPort"], m["hostPort"]) for m in node["extraPortMappings"]}
    assert mappings == {(80, 80), (443, 443)}
    assert all(m["listenAddress"] == "127.0.0.1" for m in node["extraPortMappings"])
    (mount,) = node["extraMounts"]
    assert mount["containerPath"] == "/models"
    # make kind-up creates the same folder, and the PV points at the node's /models.
    assert f"KIND_MODELS_DIR := {mount['hostPath']}" in PLATFORM_MK
    pv = next(yaml.safe_load_all((REPO / "k8s/kind/models-pv.yaml").read_text()))
    assert pv["spec"]["hostPath"]["path"] == mount["containerPath"]
    dev = yaml.safe_load((CHART / "values-dev.yaml").read_text(encoding="utf-8"))
    claim = list(yaml.safe_load_all((REPO / "k8s/kind/models-pv.yaml").read_text()))[1]
    assert dev["llm-runner"]["persistence"]["models"]["existingClaim"] == claim["metadata"]["name"]
    traefik = yaml.safe_load((REPO / "k8s/traefik/kind-values.yaml").read_text(encoding="utf-8"))
    assert traefik["nodeSelector"] == {"ingress-ready": "true"}
    assert {traefik["ports"]["web"]["hostPort"], traefik["ports"]["websecure"]["hostPort"]} == {
        80,
        443,
    }
    assert traefik["ingressClass"]["name"] == dev["global"]["ingress"]["className"]


@pytest.mark.integration
def test_k8s_manifests_validate(tmp_path: Path) -> None:
    """Core kinds against Kubernetes 1.35; CRD kinds (HelmChartConfig, ClusterIssuer) by fields."""
    validator = Path(sys.executable).with_name("kubernetes-validate")
    result = subprocess.run(
        [str(validator), "-k", "1.35.0", "--strict", "--quiet", *map(str, K8S_MANIFESTS)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    problems = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if line.strip()
        and "kind HelmChartConfig " not in line
        and "kind ClusterIssuer " not in line
        # k8s/examples/: the operator's kinds, validated against their CRDs (tests/operator)
        and not any(f"kind {k} " in line for k in ("Model", "KnowledgeBase", "ToolPlugin"))
    ]
    assert problems == []
    for path in K8S_MANIFESTS:
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc["kind"] == "ClusterIssuer":
                solver = doc["spec"]["acme"]["solvers"][0]["http01"]["ingress"]
                assert solver == {"ingressClassName": "traefik"}
                assert doc["spec"]["acme"]["server"].startswith("https://acme")
            if doc["kind"] == "HelmChartConfig":
                assert doc["metadata"] == {"name": "traefik", "namespace": "kube-system"}
                yaml.safe_load(doc["spec"]["valuesContent"])


@pytest.mark.unit
def test_namespace_enforces_restricted_and_gpu_pieces_fit_together() -> None:
    namespace = yaml.safe_load((REPO / "k8s/namespace.yaml").read_text(encoding="utf-8"))
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    runtime = yaml.safe_load((REPO / "k8s/nvidia/runtimeclass.yaml").read_text(encoding="utf-8"))
    assert runtime["metadata"]["name"] == runtime["handler"] == "nvidia"
    plugin_text = (REPO / "k8s/nvidia/device-plugin-values.yaml").read_text(encoding="utf-8")
    plugin = yaml.safe_load(plugin_text)
    assert plugin["runtimeClassName"] == "nvidia"
    assert "nvidia.com/gpu.present=true" in plugin_text
    sharing = yaml.safe_load(plugin["config"]["map"]["default"])["sharing"]["timeSlicing"]
    assert sharing["resources"][0] == {"name": "nvidia.com/gpu", "replicas": 2}
    smoke = yaml.safe_load((REPO / "k8s/nvidia/gpu-smoke-test.yaml").read_text(encoding="utf-8"))
    assert smoke["spec"]["runtimeClassName"] == "nvidia"
    (container,) = smoke["spec"]["containers"]
    assert container["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert smoke["spec"]["securityContext"]["runAsNonRoot"] is True


@pytest.mark.unit
def test_platform_make_targets_exist_and_dry_run() -> None:
    for target in TARGETS:
        assert re.search(rf"^{re.escape(target)}:.*## ", PLATFORM_MK, re.MULTILINE), target
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", "push", "REGISTRY=registry.example/me", "TAG=1.2.3"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    # push is for the desktop: the prod profile's images (asr-api-gpu for asr-api).
    for service in image_table("prod"):
        assert f"registry.example/me/ai-stack/{service}:1.2.3" in result.stdout
    assert "docker buildx build" in result.stdout


@pytest.mark.unit
def test_docs_cover_every_target_and_file() -> None:
    docs = (REPO / "docs" / "platform.md").read_text(encoding="utf-8")
    for target in TARGETS:
        assert f"make {target}" in docs, target
    for path in [
        *K8S_MANIFESTS,
        REPO / "k8s/traefik/kind-values.yaml",
        REPO / "k8s/nvidia/device-plugin-values.yaml",
    ]:
        assert str(path.relative_to(REPO)) in docs, path
    for needle in (
        "nvidia.com/gpu.present=true",
        "Override OpenAI Base URL",
        "port-forward",
        "values-prod.yaml",
        "127.0.0.1",
    ):
        assert needle in docs, needle
