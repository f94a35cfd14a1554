"""Small helpers over rendered manifests: documents, pod specs, containers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "Job", "Pod")


@dataclass(frozen=True)
class Manifest:
    kind: str
    name: str
    body: dict[str, Any]
    source: str

    @property
    def ref(self) -> str:
        return f"{self.kind}/{self.name}"


def parse_manifests(text: str) -> list[Manifest]:
    """Split helm's output into documents, remembering each one's `# Source:` template."""
    manifests = []
    for chunk in text.split("\n---"):
        source = ""
        for line in chunk.splitlines():
            if line.startswith("# Source: "):
                source = line.removeprefix("# Source: ").strip()
                break
        body = yaml.safe_load(chunk)
        if not body:
            continue
        manifests.append(Manifest(body["kind"], body["metadata"]["name"], body, source))
    return manifests


def by_kind(manifests: list[Manifest], *kinds: str) -> list[Manifest]:
    return [m for m in manifests if m.kind in kinds]


def find(manifests: list[Manifest], kind: str, name: str) -> Manifest | None:
    return next((m for m in manifests if m.kind == kind and m.name == name), None)


def pod_spec(manifest: Manifest) -> dict[str, Any]:
    if manifest.kind == "Pod":
        return manifest.body["spec"]
    return manifest.body["spec"]["template"]["spec"]


def pod_labels(manifest: Manifest) -> dict[str, str]:
    if manifest.kind == "Pod":
        return manifest.body["metadata"].get("labels", {})
    return manifest.body["spec"]["template"]["metadata"].get("labels", {})


def workloads(manifests: list[Manifest]) -> list[Manifest]:
    return by_kind(manifests, *WORKLOAD_KINDS)


def containers(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from spec.get("initContainers", [])
    yield from spec.get("containers", [])


def component(manifest: Manifest) -> str:
    """The app.kubernetes.io/name of a workload's pods."""
    return pod_labels(manifest).get("app.kubernetes.io/name", "")
