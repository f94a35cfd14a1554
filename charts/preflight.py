"""Stop `make deploy-prod` early, naming what is missing, instead of a failed release later.

    python charts/preflight.py --helm .tools/bin/helm --kubectl .tools/bin/kubectl \\
        --release ai-stack --namespace ai-stack -f charts/ai-stack/values-prod.yaml [-f my.yaml]

It renders the chart with the same values, asks the cluster (kubectl, current context) for
what those manifests take for granted, and looks into the model folders where this machine
can see them (on the k3s desktop: the models claim's hostPath). Without that check a first
install on an empty models volume ends, 30 minutes later, as a failed release with vLLM
crash-looping. Exit status 0: go ahead; 1: one line per problem on stderr.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

CHART = Path(__file__).resolve().parent / "ai-stack"
GPU = "nvidia.com/gpu"
# Values that only say "replace me" (values-prod.yaml's placeholders).
PLACEHOLDER_REGISTRY = "ghcr.io/your-user/"
PLACEHOLDER_HOST = "ai.example.com"
# What a model folder must hold, by who reads it.
VLLM_MARKER = "config.json"  # Hugging Face weights
ASR_MARKER = "model.bin"  # a CTranslate2 Whisper model


@dataclass
class Cluster:
    """What the manifests take for granted, as the cluster reports it."""

    runtime_classes: set[str] = field(default_factory=set)
    gpus: int = 0  # nvidia.com/gpu allocatable, all nodes together
    claims: dict[str, str] = field(default_factory=dict)  # claim → its volume ("" = unbound)
    host_paths: dict[str, str] = field(default_factory=dict)  # volume → hostPath / local path


@dataclass
class ModelRead:
    """A model folder a container reads from a claim."""

    who: str
    path: str  # inside the container
    marker: str
    claim: str
    sub_path: str  # inside the claim


def documents(text: str) -> list[dict]:
    return [d for d in yaml.safe_load_all(text) if d]


def pod_spec(doc: dict) -> dict | None:
    if doc["kind"] in ("Deployment", "StatefulSet", "Job"):
        return doc["spec"]["template"]["spec"]
    return doc["spec"] if doc["kind"] == "Pod" else None


def config_maps(docs: list[dict]) -> dict[str, dict[str, str]]:
    return {d["metadata"]["name"]: d.get("data", {}) for d in docs if d["kind"] == "ConfigMap"}


def model_reads(docs: list[dict]) -> list[ModelRead]:
    """vLLM's --model and asr-api's ASR_MODEL folders, with the claim each comes from."""
    maps = config_maps(docs)
    reads = []
    for doc in docs:
        spec = pod_spec(doc)
        if spec is None or doc["kind"] != "Deployment":
            continue
        claims = {
            v["name"]: v["persistentVolumeClaim"]["claimName"]
            for v in spec.get("volumes", [])
            if "persistentVolumeClaim" in v
        }
        for container in spec["containers"]:
            env: dict[str, str] = {}
            for source in container.get("envFrom", []):
                env.update(maps.get(source.get("configMapRef", {}).get("name", ""), {}))
            wanted = []
            args = container.get("args", [])
            if "vllm.entrypoints.openai.api_server" in container.get("command", []):
                wanted.append(("vLLM", args[args.index("--model") + 1], VLLM_MARKER))
            if env.get("ASR_MODEL", "").startswith("/"):
                wanted.append(("asr-api", env["ASR_MODEL"], ASR_MARKER))
            for who, path, marker in wanted:
                for mount in container.get("volumeMounts", []):
                    base = mount["mountPath"].rstrip("/")
                    if mount["name"] in claims and path.startswith(base + "/"):
                        reads.append(
                            ModelRead(
                                who, path, marker, claims[mount["name"]], path[len(base) + 1 :]
                            )
                        )
    return reads


def check(
    docs: list[dict], cluster: Cluster, root: Path = Path("/")
) -> tuple[list[str], list[str]]:
    """(problems, notes) for these manifests on this cluster; ``root`` is where host paths are
    looked up (this machine's /)."""
    problems: list[str] = []
    notes: list[str] = []
    workloads = [(d, pod_spec(d)) for d in docs]
    workloads = [(d, s) for d, s in workloads if s is not None]

    for doc, spec in workloads:
        for container in spec.get("containers", []):
            if container["image"].startswith(PLACEHOLDER_REGISTRY):
                problems.append(
                    f"{doc['metadata']['name']}: image {container['image']} is values-prod.yaml's "
                    "placeholder: set global.imageRegistry to the registry you pushed to (make "
                    'push REGISTRY=...), or "" for images loaded with make images-load'
                )
                break
    for doc in docs:
        if doc["kind"] == "Ingress":
            for rule in doc["spec"]["rules"]:
                if rule.get("host") == PLACEHOLDER_HOST:
                    problems.append(
                        f"Ingress {doc['metadata']['name']}: host {PLACEHOLDER_HOST} is the "
                        "placeholder: set global.ingress.host to your public DNS name"
                    )
    problems = list(dict.fromkeys(problems))

    for name in sorted({s["runtimeClassName"] for _, s in workloads if s.get("runtimeClassName")}):
        if name not in cluster.runtime_classes:
            problems.append(
                f"RuntimeClass {name} does not exist: install the NVIDIA container toolkit before "
                "k3s (or kubectl apply -f k8s/nvidia/runtimeclass.yaml)"
            )

    wanted_gpus = sum(
        int(c.get("resources", {}).get("limits", {}).get(GPU, 0))
        for d, s in workloads
        if d["kind"] in ("Deployment", "StatefulSet")
        for c in s.get("containers", [])
    )
    if wanted_gpus > cluster.gpus:
        problems.append(
            f"the pods request {wanted_gpus} {GPU}, the nodes offer {cluster.gpus}: label the node "
            "nvidia.com/gpu.present=true and install the device plugin with time-slicing "
            "(k8s/nvidia/device-plugin-values.yaml), or the last GPU pod stays Pending"
        )

    created = {d["metadata"]["name"] for d in docs if d["kind"] == "PersistentVolumeClaim"}
    for read in model_reads(docs):
        where = f"{read.who} reads {read.path} from claim {read.claim}"
        if read.claim not in cluster.claims:
            if read.claim in created:
                problems.append(
                    f"{where}, which this install creates empty: fill a host folder first and use "
                    "it (k8s/k3s/models-pv.yaml, llm-runner.persistence.models.existingClaim)"
                )
            else:
                problems.append(
                    f"{where}, which does not exist: copy the models into /srv/ai-stack/models, "
                    "then kubectl apply -f k8s/k3s/models-pv.yaml"
                )
            continue
        host = cluster.host_paths.get(cluster.claims[read.claim], "")
        folder = root / host.lstrip("/") if host else None
        if folder is None or not folder.is_dir():
            notes.append(f"{where}: its folder ({host or 'not a host path'}) is not visible here")
            continue
        marker = folder / read.sub_path / read.marker
        if not marker.is_file():
            problems.append(
                f"{where}: {Path(host) / read.sub_path / read.marker} is missing: download the "
                "model into that folder first (docs/platform.md, 2.2)"
            )
    return problems, notes


def _kubectl_json(kubectl: str, *args: str) -> dict:
    result = subprocess.run(  # noqa: S603 - argv list (the make target's kubectl), no shell
        [kubectl, *args, "-o", "json"], capture_output=True, text=True, timeout=60, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"kubectl {' '.join(args)}: {result.stderr.strip()}")
    return json.loads(result.stdout or "{}")


def read_cluster(kubectl: str, namespace: str) -> Cluster:
    """What the current kube context reports.

    Raises:
        RuntimeError: kubectl cannot reach the cluster (its message).
    """
    cluster = Cluster()
    cluster.runtime_classes = {
        item["metadata"]["name"] for item in _kubectl_json(kubectl, "get", "runtimeclass")["items"]
    }
    for node in _kubectl_json(kubectl, "get", "nodes")["items"]:
        cluster.gpus += int(node.get("status", {}).get("allocatable", {}).get(GPU, 0))
    for claim in _kubectl_json(kubectl, "-n", namespace, "get", "pvc")["items"]:
        cluster.claims[claim["metadata"]["name"]] = claim.get("spec", {}).get("volumeName", "")
    for volume in _kubectl_json(kubectl, "get", "pv")["items"]:
        spec = volume.get("spec", {})
        path = (spec.get("hostPath") or spec.get("local") or {}).get("path", "")
        cluster.host_paths[volume["metadata"]["name"]] = path
    return cluster


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--helm", required=True)
    parser.add_argument("--kubectl", required=True)
    parser.add_argument("--release", default="ai-stack")
    parser.add_argument("--namespace", default="ai-stack")
    parser.add_argument("-f", "--values", action="append", default=[])
    args = parser.parse_args(argv)
    command = [args.helm, "template", args.release, str(CHART), "--namespace", args.namespace]
    for path in args.values:
        command += ["-f", path]
    # An argv list (the make target's helm), no shell.
    render = subprocess.run(  # noqa: S603
        command, capture_output=True, text=True, timeout=120, check=False
    )
    if render.returncode != 0:
        print(f"preflight: the chart does not render:\n{render.stderr}", file=sys.stderr)
        return 1
    try:
        cluster = read_cluster(args.kubectl, args.namespace)
    except RuntimeError as exc:
        print(f"preflight: cannot read the cluster ({exc})", file=sys.stderr)
        return 1
    problems, notes = check(documents(render.stdout), cluster)
    for note in notes:
        print(f"preflight: note: {note}")
    for problem in problems:
        print(f"preflight: {problem}", file=sys.stderr)
    if problems:
        print(f"preflight: {len(problems)} problem(s); nothing was installed", file=sys.stderr)
        return 1
    print("preflight: ok")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
