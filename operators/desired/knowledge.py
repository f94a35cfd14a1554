"""KnowledgeBase → the ingestion Job (or CronJob, with a schedule) and what it reads.

The Job runs the operator's own image: ``python -m operators.ingest`` reads the plan from
``INGEST_PLAN`` (JSON: the base's name, domain, tags and its sources as folders or URLs),
uploads every file to rag-api's ``POST /ingest`` (idempotent: unchanged files are skipped) and
deletes the base's documents that are no longer in its sources. ConfigMap sources are mounted
as folders (only the listed ``keys`` when given), claims read-only with ``path`` inside.
A new spec gets a new Job (its name carries the spec's hash); the old one is deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from operators.desired.common import (
    INGEST_NAME,
    KNOWLEDGE_BASE_LABEL,
    Owner,
    child_name,
    container_security,
    labels,
    metadata,
    pod_security,
    spec_hash,
)
from operators.desired.models import TMP_DIR
from operators.desired.spec import KnowledgeBaseSpec
from operators.rag import tag_of
from operators.settings import Settings

SOURCES_DIR = "/sources"
# Hours: a base of a few thousand PDFs embeds in minutes on two cores; this only bounds a hang.
ACTIVE_DEADLINE_S = 4 * 3600


@dataclass(frozen=True)
class KnowledgeBaseView:
    owner: Owner
    spec: KnowledgeBaseSpec
    raw_spec: dict[str, Any]

    @property
    def tag(self) -> str:
        return tag_of(self.owner.name)

    @property
    def revision(self) -> str:
        return spec_hash(self.raw_spec)


def job_name(view: KnowledgeBaseView) -> str:
    return child_name("kb", f"{view.owner.name}-{view.revision}")


def cron_job_name(view: KnowledgeBaseView) -> str:
    return child_name("kb", view.owner.name, limit=52)  # CronJob names: at most 52


def selector(view: KnowledgeBaseView) -> str:
    return f"{KNOWLEDGE_BASE_LABEL}={view.owner.name}"


def plan(view: KnowledgeBaseView) -> dict[str, Any]:
    """What the ingestion run does (INGEST_PLAN)."""
    sources: list[dict[str, Any]] = []
    for i, source in enumerate(view.spec.sources):
        if source.url:
            sources.append({"url": source.url})
        elif source.pvc:
            path = source.pvc.path.strip("/") or "."
            sources.append({"dir": f"{SOURCES_DIR}/{i}/{path}".removesuffix("/.")})
        else:
            sources.append({"dir": f"{SOURCES_DIR}/{i}"})
    return {
        "name": view.owner.name,
        "domain": view.spec.domain,
        "tags": [view.tag, *view.spec.tags],
        "allowPrivateUrls": view.spec.allow_private_urls,
        "sources": sources,
    }


def _volumes(view: KnowledgeBaseView) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    volumes: list[dict[str, Any]] = [{"name": "tmp", "emptyDir": {}}]
    mounts: list[dict[str, Any]] = [{"name": "tmp", "mountPath": TMP_DIR}]
    for i, source in enumerate(view.spec.sources):
        name = f"source-{i}"
        if source.config_map:
            config_map: dict[str, Any] = {"name": source.config_map.name}
            if source.config_map.keys:
                config_map["items"] = [{"key": k, "path": k} for k in source.config_map.keys]
            volumes.append({"name": name, "configMap": config_map})
        elif source.pvc:
            claim = {"claimName": source.pvc.claim_name, "readOnly": True}
            volumes.append({"name": name, "persistentVolumeClaim": claim})
        else:
            continue
        mounts.append({"name": name, "mountPath": f"{SOURCES_DIR}/{i}", "readOnly": True})
    return volumes, mounts


def pod_labels(view: KnowledgeBaseView, settings: Settings) -> dict[str, str]:
    return labels(settings, INGEST_NAME, "ingest", {KNOWLEDGE_BASE_LABEL: view.owner.name})


def job_spec(view: KnowledgeBaseView, settings: Settings) -> dict[str, Any]:
    volumes, mounts = _volumes(view)
    env = [
        {"name": "INGEST_PLAN", "value": orjson.dumps(plan(view)).decode()},
        {"name": "RAG_URL", "value": settings.rag_base_url},
        {"name": "LOG_LEVEL", "value": settings.log_level},
        {"name": "LOG_FORMAT", "value": settings.log_format.value},
        {"name": "HTTP_READ_TIMEOUT_S", "value": str(settings.http_read_timeout_s)},
        {
            "name": "AISTACK_SERVICE_TOKEN",
            "valueFrom": {
                "secretKeyRef": {
                    "name": settings.service_token_secret,
                    "key": "AISTACK_SERVICE_TOKEN",
                }
            },
        },
    ]
    container = {
        "name": "ingest",
        "image": settings.operator_image,
        "imagePullPolicy": "IfNotPresent",
        "command": ["python", "-m", "operators.ingest"],
        "env": env,
        "resources": {
            "requests": {"cpu": "50m", "memory": "128Mi"},
            "limits": {"memory": "512Mi"},
        },
        "securityContext": container_security(),
        "volumeMounts": mounts,
    }
    return {
        "backoffLimit": 2,
        "activeDeadlineSeconds": ACTIVE_DEADLINE_S,
        "template": {
            "metadata": {"labels": pod_labels(view, settings)},
            "spec": {
                "restartPolicy": "Never",
                "automountServiceAccountToken": False,
                "enableServiceLinks": False,
                "securityContext": pod_security(),
                "containers": [container],
                "volumes": volumes,
            },
        },
    }


def job(view: KnowledgeBaseView, settings: Settings) -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": metadata(job_name(view), pod_labels(view, settings), view.owner),
        "spec": job_spec(view, settings),
    }


def cron_job(view: KnowledgeBaseView, settings: Settings) -> dict[str, Any]:
    """With a schedule: the same run again on every tick (never two at once)."""
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": metadata(cron_job_name(view), pod_labels(view, settings), view.owner),
        "spec": {
            "schedule": view.spec.schedule,
            "concurrencyPolicy": "Forbid",
            "successfulJobsHistoryLimit": 1,
            "failedJobsHistoryLimit": 1,
            "jobTemplate": {
                "metadata": {"labels": pod_labels(view, settings)},
                "spec": job_spec(view, settings),
            },
        },
    }


@dataclass(frozen=True)
class JobState:
    phase: str  # Running | Succeeded | Failed
    message: str
    finished: str | None = None


def job_state(live: dict[str, Any] | None) -> JobState:
    if not live:
        return JobState("Running", "the ingestion Job is being created")
    status = live.get("status") or {}
    for condition in status.get("conditions") or []:
        if condition.get("status") != "True":
            continue
        if condition.get("type") == "Complete":
            return JobState("Succeeded", "ingested", status.get("completionTime"))
        if condition.get("type") == "Failed":
            why = condition.get("message") or condition.get("reason") or "failed"
            return JobState("Failed", f"the ingestion Job failed: {why} (its logs say which file)")
    if status.get("succeeded"):
        return JobState("Succeeded", "ingested", status.get("completionTime"))
    return JobState("Running", f"ingesting (Job {live['metadata']['name']})")


def newest(jobs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The most recently started Job (a CronJob's latest run)."""
    if not jobs:
        return None
    return max(jobs, key=lambda j: (j.get("status") or {}).get("startTime") or "")
