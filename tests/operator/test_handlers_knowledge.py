"""The KnowledgeBase handlers against kmock and a loopback rag-api stand-in: the ingestion Job
per spec, its outcome and rag-api's counts in status, the SSRF guard on URL sources, a
schedule, and the finalizer that deletes the base's documents."""

from __future__ import annotations

from typing import Any

import kopf
import pytest

from operators.deps import Deps
from operators.desired import knowledge
from operators.handlers import knowledge as handlers
from operators.handlers.common import KNOWLEDGE_BASES
from operators.kube import CRONJOBS, JOBS
from tests.operator.conftest import NAMESPACE, resource
from tests.operator.handlers import call, create, ready_condition
from tests.operator.standins import Rag

pytestmark = pytest.mark.unit

SPEC = {"domain": "materials", "sources": [{"configMap": {"name": "materials-notes"}}]}


async def add(deps: Deps, spec: dict[str, Any], name: str = "materials-notes") -> None:
    await create(deps, KNOWLEDGE_BASES, resource("KnowledgeBase", name, spec))


async def reconcile(deps: Deps, memo: Any, name: str = "materials-notes"):
    return await call(handlers.reconcile, deps, KNOWLEDGE_BASES, name, memo)


def jobs(cluster: Any) -> list[str]:
    return sorted(
        name
        for (res, _, name), obj in cluster.objects.items()
        if res == "batch/v1/jobs" and not obj.deleted
    )


def finish(cluster: Any, name: str, ok: bool = True) -> None:
    condition = {
        "type": "Complete" if ok else "Failed",
        "status": "True",
        "reason": "BackoffLimitExceeded",
    }
    status = {"conditions": [condition], "completionTime": "2026-01-01T03:00:00Z"}
    cluster.objects["batch/v1/jobs", NAMESPACE, name].patch({"status": status})


async def test_a_job_ingests_then_the_status_counts_documents_and_chunks(
    cluster: Any, deps: Deps, memo: Any, rag: tuple[Rag, str]
) -> None:
    standin, _ = rag
    await add(deps, SPEC)
    body, _, error = await reconcile(deps, memo)
    assert isinstance(error, kopf.TemporaryError) and error.delay == 15
    assert body["status"]["phase"] == "Syncing"
    (name,) = jobs(cluster)
    job = await deps.kube.get(JOBS, NAMESPACE, name)
    assert job["metadata"]["ownerReferences"][0]["kind"] == "KnowledgeBase"
    assert job["spec"]["template"]["spec"]["containers"][0]["command"][-1] == "operators.ingest"
    # The Job ran (its pods would have uploaded these).
    standin.add("d1", "materials-notes/316l.md", ["knowledgebase:materials-notes"], chunks=4)
    standin.add("d2", "materials-notes/6061-t6.md", ["knowledgebase:materials-notes"], chunks=2)
    standin.add("x", "other/x.md", ["knowledgebase:other"], chunks=9)
    finish(cluster, name)
    body, _, error = await reconcile(deps, memo)
    assert error is None
    status = body["status"]
    assert (status["phase"], status["documents"], status["chunks"]) == ("Synced", 2, 6)
    assert status["lastSync"] == "2026-01-01T03:00:00Z" and status["job"] == name
    assert ready_condition(body)["status"] == "True"
    assert (
        standin.authorizations[-1]
        == f"Bearer {deps.settings.aistack_service_token.get_secret_value()}"
    )


async def test_a_new_spec_gets_a_new_job_and_the_old_one_goes(
    cluster: Any, deps: Deps, memo: Any
) -> None:
    await add(deps, SPEC)
    await reconcile(deps, memo)
    (first,) = jobs(cluster)
    await deps.kube.patch(
        KNOWLEDGE_BASES, NAMESPACE, "materials-notes", {"spec": {"domain": "mech"}}
    )
    await reconcile(deps, memo)
    (second,) = jobs(cluster)
    assert second != first


async def test_a_failed_job_is_reported_and_retried_with_a_fresh_one(
    cluster: Any, deps: Deps, memo: Any
) -> None:
    await add(deps, SPEC)
    await reconcile(deps, memo)
    (name,) = jobs(cluster)
    finish(cluster, name, ok=False)
    body, _, error = await reconcile(deps, memo)
    assert isinstance(error, kopf.TemporaryError) and error.delay == 120
    assert body["status"]["phase"] == "Failed"
    assert "BackoffLimitExceeded" in ready_condition(body)["message"]
    assert jobs(cluster) == []  # the next try creates it again
    await reconcile(deps, memo)
    assert jobs(cluster) == [name]


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost:8082/documents",
        "http://10.0.0.1/x.pdf",
    ],
)
async def test_url_sources_inside_the_cluster_are_refused(
    cluster: Any, deps: Deps, memo: Any, url: str
) -> None:
    await add(deps, {"sources": [{"url": url}]})
    body, _, error = await reconcile(deps, memo)
    assert isinstance(error, kopf.PermanentError)
    assert ready_condition(body)["reason"] == "InvalidSpec"
    assert "allowPrivateUrls" in body["status"]["message"]
    assert jobs(cluster) == []


async def test_allow_private_urls_lets_one_through(cluster: Any, deps: Deps, memo: Any) -> None:
    await add(deps, {"sources": [{"url": "http://10.0.0.1/x.pdf"}], "allowPrivateUrls": True})
    _, _, error = await reconcile(deps, memo)
    assert isinstance(error, kopf.TemporaryError)  # waiting for its Job
    assert len(jobs(cluster)) == 1


async def test_an_unresolvable_url_is_retried(deps: Deps, memo: Any) -> None:
    await add(deps, {"sources": [{"url": "https://no-such-host.invalid/a.pdf"}]})
    body, _, error = await reconcile(deps, memo)
    assert (
        isinstance(error, kopf.TemporaryError) and ready_condition(body)["reason"] == "Unreachable"
    )


async def test_a_schedule_keeps_a_cron_job_and_the_timer_follows_its_runs(
    cluster: Any, deps: Deps, memo: Any, rag: tuple[Rag, str]
) -> None:
    spec = {**SPEC, "schedule": "0 3 * * *"}
    await add(deps, spec)
    await reconcile(deps, memo)
    cron = await deps.kube.get(CRONJOBS, NAMESPACE, "kb-materials-notes")
    assert cron["spec"]["schedule"] == "0 3 * * *"
    (name,) = jobs(cluster)
    finish(cluster, name)
    body, _, error = await reconcile(deps, memo)
    assert error is None and body["status"]["documents"] == 0
    # A scheduled run: a Job owned by the CronJob, newer than the first.
    rag[0].add("d1", "materials-notes/a.md", ["knowledgebase:materials-notes"], chunks=5)
    run = knowledge.job(handlers._view(body, body["spec"]), deps.settings)
    run["metadata"]["name"] = "kb-materials-notes-29000000"
    run["metadata"]["ownerReferences"] = [
        {"kind": "CronJob", "name": "kb-materials-notes", "apiVersion": "batch/v1", "uid": "c"}
    ]
    await deps.kube.create(JOBS, NAMESPACE, run)
    cluster.objects["batch/v1/jobs", NAMESPACE, run["metadata"]["name"]].patch({"status": {
        "startTime": "2026-01-02T03:00:00Z", "completionTime": "2026-01-02T03:01:00Z",
        "conditions": [{"type": "Complete", "status": "True"}],
    }})  # fmt: skip
    body, _, _ = await call(handlers.refresh, deps, KNOWLEDGE_BASES, "materials-notes", memo)
    assert (body["status"]["documents"], body["status"]["chunks"]) == (1, 5)
    assert body["status"]["lastSync"] == "2026-01-02T03:01:00Z"
    # The scheduled run survives the next reconcile (only one-off Jobs of older specs go).
    await reconcile(deps, memo)
    assert "kb-materials-notes-29000000" in jobs(cluster)
    # Without the schedule the CronJob goes.
    await deps.kube.patch(
        KNOWLEDGE_BASES, NAMESPACE, "materials-notes", {"spec": {"schedule": None}}
    )
    await reconcile(deps, memo)
    assert await deps.kube.get(CRONJOBS, NAMESPACE, "kb-materials-notes") is None


async def test_the_finalizer_deletes_the_bases_documents(
    deps: Deps, memo: Any, rag: tuple[Rag, str]
) -> None:
    standin, _ = rag
    standin.add("d1", "materials-notes/a.md", ["knowledgebase:materials-notes"])
    standin.add("d2", "materials-notes/b.md", ["knowledgebase:materials-notes", "x"])
    standin.add("keep", "other/a.md", ["knowledgebase:other"])
    await add(deps, SPEC)
    _, _, error = await call(handlers.forget, deps, KNOWLEDGE_BASES, "materials-notes", memo)
    assert error is None
    assert set(standin.documents) == {"keep"}


async def test_the_finalizer_waits_for_rag_api(deps: Deps, memo: Any) -> None:
    deps.rag.base_url = "http://127.0.0.1:9"
    await add(deps, SPEC)
    _, _, error = await call(handlers.forget, deps, KNOWLEDGE_BASES, "materials-notes", memo)
    assert isinstance(error, kopf.TemporaryError) and error.delay == 30


async def test_a_bad_spec_is_permanent(deps: Deps, memo: Any) -> None:
    await add(deps, {"sources": [{"pvc": {"claimName": "docs", "path": "../../etc"}}]})
    body, _, error = await reconcile(deps, memo)
    assert (
        isinstance(error, kopf.PermanentError) and ready_condition(body)["reason"] == "InvalidSpec"
    )
