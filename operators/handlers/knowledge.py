"""KnowledgeBase: an ingestion Job against rag-api, its counts in status, and a finalizer.

create / update / resume → :func:`reconcile`: check the URL sources (the SSRF guard resolves
them now; the Job's downloads are guarded again), run the Job for this spec (or keep its
CronJob, with a schedule), wait for it, then report the documents and chunks rag-api holds for
the base and when it last synced. A timer refreshes that after scheduled runs. delete →
:func:`forget` deletes the base's documents from rag-api before the finalizer lets go.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import kopf

from operators import rag, ssrf
from operators.conditions import AVAILABLE, FAILED, UNREACHABLE, WAITING
from operators.deps import Deps
from operators.desired import knowledge as desired
from operators.desired.common import Owner
from operators.desired.knowledge import KnowledgeBaseView
from operators.desired.spec import SpecError, parse_knowledge_base
from operators.handlers.common import (
    GROUP,
    RETRY_FAILED,
    RETRY_UNREACHABLE,
    RETRY_WAITING,
    VERSION,
    api_errors,
    invalid,
    report,
    temporary,
)
from operators.kube import CRONJOBS, JOBS, KubeError
from operators.settings import Settings
from services.kit.errors import ServiceError


def _view(body: dict[str, Any], spec: dict[str, Any]) -> KnowledgeBaseView:
    raw_spec = dict(spec)
    return KnowledgeBaseView(
        Owner.of("KnowledgeBase", body), parse_knowledge_base(raw_spec), raw_spec
    )


async def _check_urls(view: KnowledgeBaseView) -> None:
    """Raises ssrf.RefusedUrlError (a bad spec) or ssrf.UnresolvableUrlError."""
    for source in view.spec.sources:
        if source.url:
            await ssrf.check_url(source.url, view.spec.allow_private_urls)


async def _jobs(deps: Deps, view: KnowledgeBaseView) -> list[dict[str, Any]]:
    return await deps.kube.list(JOBS, view.owner.namespace, desired.selector(view))


async def _counts(deps: Deps, view: KnowledgeBaseView) -> tuple[int, int]:
    docs = await rag.documents(deps.rag, view.tag)
    return len(docs), sum(int(d.get("chunks") or 0) for d in docs)


async def _run(deps: Deps, view: KnowledgeBaseView) -> dict[str, Any] | None:
    """Apply the Job (and the CronJob with a schedule) for this spec; delete older ones.
    Returns the live Job of this spec."""
    namespace, settings = view.owner.namespace, deps.settings
    current = desired.job_name(view)
    for old in await _jobs(deps, view):
        # A CronJob's runs carry its name; one-off Jobs of older specs go.
        owners = {o.get("kind") for o in old["metadata"].get("ownerReferences") or []}
        if old["metadata"]["name"] != current and "CronJob" not in owners:
            await deps.kube.delete(JOBS, namespace, old["metadata"]["name"])
    if view.spec.schedule:
        await deps.kube.apply(CRONJOBS, namespace, desired.cron_job(view, settings))
    else:
        await deps.kube.delete(CRONJOBS, namespace, desired.cron_job_name(view))
    live = await deps.kube.get(JOBS, namespace, current)
    if live is None:
        live = await deps.kube.create(JOBS, namespace, desired.job(view, settings))
    return live


async def reconcile(
    body: kopf.Body,
    spec: kopf.Spec,
    namespace: str,
    status: kopf.Status,
    patch: kopf.Patch,
    memo: Any,
    **_: Any,
) -> None:
    """create / update / resume: the ingestion Job of this spec, then rag-api's counts.

    Raises kopf.TemporaryError while the Job runs, after it failed (a fresh one next time) or
    while a URL does not resolve; kopf.PermanentError for a bad spec or a refused URL.
    """
    deps: Deps = memo.deps
    raw, state = dict(body), dict(status)
    try:
        view = _view(raw, spec)
    except SpecError as exc:
        raise invalid(patch, state, raw, str(exc)) from None
    try:
        await _check_urls(view)
    except ssrf.RefusedUrlError as exc:
        raise invalid(patch, state, raw, str(exc)) from None
    except ssrf.UnresolvableUrlError as exc:
        raise temporary(
            patch,
            state,
            raw,
            phase="Pending",
            reason=UNREACHABLE,
            message=str(exc),
            delay=RETRY_FAILED,
        ) from None
    with api_errors(patch, state, raw):
        live = await _run(deps, view)
        job = desired.job_state(live)
        name = desired.job_name(view)
        if job.phase == "Running":
            raise temporary(
                patch,
                state,
                raw,
                phase="Syncing",
                reason=WAITING,
                message=job.message,
                delay=RETRY_WAITING,
                job=name,
            )
        if job.phase == "Failed":
            # The next try gets a fresh Job (a failed one stays failed).
            await deps.kube.delete(JOBS, namespace, name)
            raise temporary(
                patch,
                state,
                raw,
                phase="Failed",
                reason=FAILED,
                message=job.message,
                delay=RETRY_FAILED,
                job=name,
            )
        documents, chunks = await _counts(deps, view)
    report(
        patch,
        state,
        raw,
        phase="Synced",
        ready=True,
        reason=AVAILABLE,
        message=f"{documents} documents, {chunks} chunks in rag-api",
        documents=documents,
        chunks=chunks,
        lastSync=job.finished,
        job=name,
    )


async def refresh(
    body: kopf.Body,
    spec: kopf.Spec,
    status: kopf.Status,
    patch: kopf.Patch,
    memo: Any,
    logger: Any,
    **_: Any,
) -> None:
    """After a scheduled run: the newest Job's outcome and rag-api's counts."""
    deps: Deps = memo.deps
    raw, state = dict(body), dict(status)
    if not spec.get("schedule") or state.get("phase") not in ("Synced", "Failed"):
        return
    try:
        view = _view(raw, spec)
        newest = desired.newest(await _jobs(deps, view))
        job = desired.job_state(newest)
        if job.phase == "Running" or (job.finished and job.finished == state.get("lastSync")):
            return
        documents, chunks = await _counts(deps, view)
    except (SpecError, KubeError, ServiceError, aiohttp.ClientError, TimeoutError) as exc:
        logger.warning("could not refresh the knowledge base's status: %s", exc)
        return
    ready = job.phase == "Succeeded"
    report(
        patch,
        state,
        raw,
        phase="Synced" if ready else "Failed",
        ready=ready,
        reason=AVAILABLE if ready else FAILED,
        message=f"{documents} documents, {chunks} chunks in rag-api" if ready else job.message,
        documents=documents,
        chunks=chunks,
        lastSync=job.finished or state.get("lastSync"),
        job=(newest or {}).get("metadata", {}).get("name"),
    )


async def forget(body: kopf.Body, name: str, memo: Any, logger: Any, **_: Any) -> None:
    """Delete the base's documents from rag-api (the Jobs go with the resource)."""
    deps: Deps = memo.deps
    tag = rag.tag_of(name)
    try:
        documents = await rag.documents(deps.rag, tag)
        for document in documents:
            await rag.delete(deps.rag, str(document["id"]))
    except ServiceError as exc:
        raise kopf.TemporaryError(
            f"cannot delete the documents from rag-api yet: {exc.message}", delay=RETRY_UNREACHABLE
        ) from None
    logger.info("deleted %d documents of knowledge base %s from rag-api", len(documents), name)


def register(registry: kopf.OperatorRegistry, settings: Settings) -> None:
    resource = (GROUP, VERSION, "knowledgebases")
    kopf.on.create(*resource, registry=registry)(reconcile)
    kopf.on.update(*resource, registry=registry)(reconcile)
    kopf.on.resume(*resource, registry=registry)(reconcile)
    kopf.on.delete(*resource, registry=registry)(forget)
    interval = settings.operator_check_interval_s
    kopf.timer(*resource, interval=interval, initial_delay=interval, registry=registry)(refresh)
