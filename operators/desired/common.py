"""Names, labels, owner references and pod security for every object the operator creates."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import orjson

from operators.settings import Settings

GROUP = "aistack.dev"
VERSION = "v1alpha1"
API_VERSION = f"{GROUP}/{VERSION}"
MANAGER = "aistack-operator"
# Every pod the operator makes for a Model carries this label: the chart's NetworkPolicies
# admit the orchestrator (and the operator) to exactly these pods.
MODEL_LABEL = f"{GROUP}/model"
KNOWLEDGE_BASE_LABEL = f"{GROUP}/knowledgebase"
# app.kubernetes.io/name of the ingestion Jobs' pods (the chart's NetworkPolicy admits them to
# rag-api).
INGEST_NAME = "operator-ingest"
UID = 10001


@dataclass(frozen=True)
class Owner:
    """The custom resource an object belongs to (garbage-collected with it)."""

    kind: str
    name: str
    namespace: str
    uid: str
    generation: int = 1

    @classmethod
    def of(cls, kind: str, body: dict[str, Any]) -> Owner:
        meta = body["metadata"]
        return cls(
            kind, meta["name"], meta["namespace"], meta.get("uid", ""), meta.get("generation", 1)
        )

    def reference(self) -> dict[str, Any]:
        return {
            "apiVersion": API_VERSION,
            "kind": self.kind,
            "name": self.name,
            "uid": self.uid,
            "controller": True,
            "blockOwnerDeletion": True,
        }


def child_name(prefix: str, name: str, limit: int = 63) -> str:
    """``<prefix>-<name>``, shortened with a hash when longer than ``limit`` (a DNS label)."""
    full = f"{prefix}-{name}"
    if len(full) <= limit:
        return full
    digest = hashlib.sha256(full.encode()).hexdigest()[:8]
    return f"{full[: limit - 9].rstrip('-')}-{digest}"


def labels(settings: Settings, app: str, component: str, extra: dict[str, str]) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": app,
        "app.kubernetes.io/instance": settings.operator_release,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": "ai-stack",
        "app.kubernetes.io/managed-by": MANAGER,
        **extra,
    }


def metadata(name: str, object_labels: dict[str, str], owner: Owner) -> dict[str, Any]:
    return {"name": name, "labels": object_labels, "ownerReferences": [owner.reference()]}


def pod_security(uid: int = UID) -> dict[str, Any]:
    """Pod Security "restricted" at the pod (the release namespace enforces it)."""
    return {
        "runAsNonRoot": True,
        "runAsUser": uid,
        "runAsGroup": uid,
        "fsGroup": uid,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def container_security(uid: int = UID) -> dict[str, Any]:
    return {
        "allowPrivilegeEscalation": False,
        "privileged": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "runAsUser": uid,
        "runAsGroup": uid,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def spec_hash(value: Any) -> str:
    """A short stable digest of a spec (names Jobs per spec version)."""
    return hashlib.sha256(orjson.dumps(value, option=orjson.OPT_SORT_KEYS)).hexdigest()[:8]


def ready_condition(live: dict[str, Any]) -> dict[str, Any] | None:
    """The ``Ready`` condition of an object another operator reports on (KServe, KubeRay)."""
    conditions = (live.get("status") or {}).get("conditions") or []
    return next((c for c in conditions if c.get("type") == "Ready"), None)
