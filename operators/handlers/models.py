"""Model: serve it (pull, Deployment, InferenceService or RayService), report it, publish it.

create / update / resume → :func:`reconcile`: apply what the spec needs, delete what another
runtime left, wait (TemporaryError) until it answers, then mark it Ready with its endpoint and
write the model table. A timer (:func:`check`) applies the same state again every
``OPERATOR_CHECK_INTERVAL_S`` (a deleted Deployment comes back, a lost Ollama model is pulled
again) and takes a Model out of the table while it does not answer. delete → :func:`withdraw`:
out of the table; what it created goes with it (owner references).

The model table is the ConfigMap ``<release>-models`` (key ``models.yaml``, the format of
services/kit/models.py): the stack's configured ids first, then every Ready Model. The gateway
lists it on ``/v1/models`` and the orchestrator routes each chat by it, re-reading it live.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import aiohttp
import kopf

from operators import ollama
from operators.conditions import API_MISSING, AVAILABLE, FAILED, UNREACHABLE, WAITING
from operators.deps import Deps
from operators.desired import kserve, ray
from operators.desired import models as desired
from operators.desired.common import MANAGER, Owner
from operators.desired.models import ModelView
from operators.desired.spec import SpecError, parse_model
from operators.handlers.common import (
    GROUP,
    MODELS,
    RETRY_API_MISSING,
    RETRY_FAILED,
    RETRY_UNREACHABLE,
    RETRY_WAITING,
    VERSION,
    api_errors,
    invalid,
    report,
    temporary,
)
from operators.kube import (
    CONFIGMAPS,
    DEPLOYMENTS,
    INFERENCE_SERVICES,
    RAY_SERVICES,
    SERVICES,
    KubeError,
    Resource,
)
from operators.settings import Settings
from services.kit.errors import ServiceError
from services.kit.models import routes_from_settings

MODELS_KEY = "models.yaml"
ID_IN_USE = "IdInUse"


@dataclass
class Outcome:
    ready: bool
    reason: str
    message: str
    endpoint: str | None = None
    delay: float = RETRY_WAITING
    phase: str = "Pending"
    fields: dict[str, Any] = field(default_factory=dict)


def _kinds(view: ModelView) -> set[Resource]:
    """The kinds this Model's engine and runtime create (the others are deleted)."""
    if view.spec.engine in ("ollama", "external"):
        return set()
    return {
        "deployment": {DEPLOYMENTS, SERVICES},
        "kserve": {INFERENCE_SERVICES},
        "rayservice": {RAY_SERVICES},
    }[view.spec.runtime]


async def _tidy(view: ModelView, deps: Deps) -> None:
    """Delete what another engine or runtime of this Model created before."""
    name, namespace = desired.workload_name(view), view.owner.namespace
    for res in {DEPLOYMENTS, SERVICES, INFERENCE_SERVICES, RAY_SERVICES} - _kinds(view):
        if res in (INFERENCE_SERVICES, RAY_SERVICES) and not await deps.kube.serves(res):
            continue
        await deps.kube.delete(res, namespace, name)


async def _pull(view: ModelView, deps: Deps) -> Outcome:
    tag = view.served
    server = deps.settings.ollama_url

    async def progress(p: ollama.Progress) -> None:
        status = {"phase": "Pulling", "progress": p.as_status(), "message": f"pulling {tag}"}
        await deps.kube.patch(
            MODELS, view.owner.namespace, view.owner.name, {"status": status}, sub="status"
        )

    try:
        digest = await ollama.pull(deps.ollama, tag, progress)
    except ollama.UnknownModelError:
        raise
    except ollama.OllamaError as exc:
        return Outcome(False, FAILED, f"the pull of {tag} failed: {exc}", delay=RETRY_FAILED)
    except ServiceError as exc:
        message = f"cannot pull {tag}: {exc.message}"
        return Outcome(False, UNREACHABLE, message, delay=RETRY_UNREACHABLE)
    done = {"status": "success", "percent": 100}
    return Outcome(
        True,
        AVAILABLE,
        f"{tag} is on the Ollama server at {server}",
        endpoint=f"{server}/v1",
        fields={"digest": digest, "progress": done},
    )


async def _deployment(view: ModelView, deps: Deps) -> Outcome:
    settings, namespace = deps.settings, view.owner.namespace
    await deps.kube.apply(DEPLOYMENTS, namespace, desired.deployment(view, settings))
    await deps.kube.apply(SERVICES, namespace, desired.service(view, settings))
    live = await deps.kube.get(DEPLOYMENTS, namespace, desired.workload_name(view))
    ready, message = desired.deployment_readiness(live)
    endpoint = desired.deployment_endpoint(view)
    return Outcome(ready, AVAILABLE if ready else WAITING, message, endpoint if ready else None)


def _missing(res: Resource, what: str) -> Outcome:
    message = (
        f"the cluster does not serve {res.api_version} {res.kind}: install {what}, or use "
        "runtime: deployment"
    )
    return Outcome(False, API_MISSING, message, delay=RETRY_API_MISSING)


async def _kserve(view: ModelView, deps: Deps) -> Outcome:
    if not await deps.kube.serves(INFERENCE_SERVICES):
        return _missing(INFERENCE_SERVICES, "KServe (RawDeployment mode)")
    namespace = view.owner.namespace
    await deps.kube.apply(
        INFERENCE_SERVICES, namespace, kserve.inference_service(view, deps.settings)
    )
    live = await deps.kube.get(INFERENCE_SERVICES, namespace, desired.workload_name(view))
    ready, message, url = kserve.inference_service_readiness(live)
    endpoint = f"{url}/openai/v1" if ready and url else None
    return Outcome(ready, AVAILABLE if ready else WAITING, message, endpoint)


async def _ray(view: ModelView, deps: Deps) -> Outcome:
    if not await deps.kube.serves(RAY_SERVICES):
        return _missing(RAY_SERVICES, "the KubeRay operator")
    namespace = view.owner.namespace
    await deps.kube.apply(RAY_SERVICES, namespace, ray.ray_service(view, deps.settings))
    live = await deps.kube.get(RAY_SERVICES, namespace, desired.workload_name(view))
    ready, message = ray.ray_service_readiness(live)
    endpoint = ray.ray_endpoint(view) if ready else None
    return Outcome(ready, AVAILABLE if ready else WAITING, message, endpoint)


async def serve(view: ModelView, deps: Deps) -> Outcome:
    """Make the cluster serve ``view``; say whether it answers yet.

    Raises ollama.UnknownModelError (a bad spec), KubeError and the kit's peer errors.
    """
    engine, runtime = view.spec.engine, view.spec.runtime
    if engine == "ollama":
        return await _pull(view, deps)
    if engine == "external":
        url = (view.spec.source.url or "").rstrip("/")
        return Outcome(True, AVAILABLE, f"published as {url}", endpoint=url)
    if runtime == "kserve":
        return await _kserve(view, deps)
    if runtime == "rayservice":
        return await _ray(view, deps)
    return await _deployment(view, deps)


# --- the model table ---------------------------------------------------------------------------


def _key(namespace: str, name: str) -> str:
    return f"{namespace}/{name}"


def _listed_entry(model: dict[str, Any]) -> dict[str, Any] | None:
    status = model.get("status") or {}
    if model["metadata"].get("deletionTimestamp") or status.get("phase") != "Ready":
        return None
    if not (status.get("id") and status.get("endpoint") and status.get("backend")):
        return None
    return {
        "id": status["id"],
        "backend": status["backend"],
        "base_url": status["endpoint"],
        "model": status.get("servedName"),
    }


async def _entries(deps: Deps, namespace: str) -> list[tuple[str, dict[str, Any]]]:
    """(Model name, entry) of every published Model, oldest first; this process's own latest
    decisions win over the (possibly not yet patched) statuses."""
    models = await deps.kube.list(MODELS, namespace)
    models.sort(key=lambda m: (m["metadata"].get("creationTimestamp") or "", m["metadata"]["name"]))
    found: list[tuple[str, dict[str, Any]]] = []
    for model in models:
        name = model["metadata"]["name"]
        key = _key(namespace, name)
        if model["metadata"].get("deletionTimestamp"):
            continue
        entry = deps.published[key] if key in deps.published else _listed_entry(model)
        if entry is not None:
            found.append((name, entry))
    return found


async def clash(deps: Deps, namespace: str, name: str, model_id: str) -> str | None:
    """The Model that already publishes ``model_id``, if it is another one."""
    for other, entry in await _entries(deps, namespace):
        if entry["id"] == model_id and other != name:
            return other
    return None


async def publish(deps: Deps, namespace: str, name: str, entry: dict[str, Any] | None) -> None:
    """Record ``entry`` (None: withdrawn) for the Model ``name`` and write the model table."""
    settings = deps.settings
    async with deps.table_lock:
        deps.published[_key(namespace, name)] = entry
        rows, seen = [], set()
        for _, row in await _entries(deps, namespace):
            if row["id"] not in seen:  # two Models, one id: the older keeps it
                seen.add(row["id"])
                rows.append(row)
        table = desired.model_table(routes_from_settings(settings), rows)
        config_map = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": settings.models_configmap,
                "labels": {
                    "app.kubernetes.io/name": "models",
                    "app.kubernetes.io/instance": settings.operator_release,
                    "app.kubernetes.io/part-of": "ai-stack",
                    "app.kubernetes.io/managed-by": MANAGER,
                },
            },
            "data": {MODELS_KEY: table},
        }
        await deps.kube.apply(CONFIGMAPS, namespace, config_map)


# --- handlers ----------------------------------------------------------------------------------


def _view(body: dict[str, Any], spec: dict[str, Any]) -> ModelView:
    return ModelView(Owner.of("Model", body), parse_model(dict(spec)))


async def reconcile(
    body: kopf.Body,
    spec: kopf.Spec,
    name: str,
    namespace: str,
    status: kopf.Status,
    patch: kopf.Patch,
    memo: Any,
    **_: Any,
) -> None:
    """create / update / resume: serve the Model, report it, publish it when it answers.

    Raises kopf.TemporaryError (not ready yet, an API or a peer missing, the id taken) and
    kopf.PermanentError (a spec that cannot work), each after setting the Ready condition.
    """
    deps: Deps = memo.deps
    raw, state = dict(body), dict(status)
    try:
        view = _view(raw, spec)
    except SpecError as exc:
        with api_errors(patch, state, raw):
            await publish(deps, namespace, name, None)
        raise invalid(patch, state, raw, str(exc)) from None
    fields: dict[str, Any] = {"id": view.id, "backend": view.backend, "servedName": view.served}
    with api_errors(patch, state, raw):
        other = await clash(deps, namespace, name, view.id)
        if other:
            await publish(deps, namespace, name, None)
            message = f"the id {view.id!r} is already published by Model {other}"
            raise temporary(
                patch,
                state,
                raw,
                phase="Pending",
                reason=ID_IN_USE,
                message=message,
                delay=RETRY_FAILED,
                endpoint=None,
                **fields,
            )
        try:
            # Only a changed spec can leave another engine's or runtime's objects behind, and
            # specs change here (the timer's check skips a Model whose spec moved on).
            await _tidy(view, deps)
            outcome = await serve(view, deps)
        except ollama.UnknownModelError as exc:
            await publish(deps, namespace, name, None)
            raise invalid(patch, state, raw, f"Ollama cannot pull {view.served}: {exc}") from None
        entry = desired.table_entry(view, outcome.endpoint) if outcome.ready else None
        await publish(deps, namespace, name, entry)
    fields |= {"endpoint": outcome.endpoint, **outcome.fields}
    if outcome.ready:
        report(
            patch,
            state,
            raw,
            phase="Ready",
            ready=True,
            reason=outcome.reason,
            message=outcome.message,
            **fields,
        )
        return
    raise temporary(
        patch,
        state,
        raw,
        phase=outcome.phase,
        reason=outcome.reason,
        message=outcome.message,
        delay=outcome.delay,
        **fields,
    )


async def check(
    body: kopf.Body,
    spec: kopf.Spec,
    name: str,
    namespace: str,
    status: kopf.Status,
    patch: kopf.Patch,
    memo: Any,
    logger: Any,
    **_: Any,
) -> None:
    """Every interval, for a Model that was Ready (or has gone quiet since): apply its state
    again and publish or withdraw it by whether it answers. The handlers own every other phase."""
    deps: Deps = memo.deps
    raw, state = dict(body), dict(status)
    generation = raw.get("metadata", {}).get("generation")
    if state.get("phase") not in ("Ready", "Degraded"):
        return
    if state.get("observedGeneration") != generation:
        return
    try:
        view = _view(raw, spec)
    except SpecError:
        return
    try:
        outcome = await serve(view, deps)
    except (ollama.OllamaError, KubeError, ServiceError, aiohttp.ClientError, TimeoutError) as exc:
        outcome = Outcome(False, UNREACHABLE, f"the check failed: {exc}")
    entry = desired.table_entry(view, outcome.endpoint) if outcome.ready else None
    try:
        await publish(deps, namespace, name, entry)
    except (KubeError, aiohttp.ClientError, TimeoutError) as exc:
        logger.warning("could not write the model table: %s", exc)
        return
    unchanged = outcome.ready == (state.get("phase") == "Ready") and (
        outcome.endpoint == state.get("endpoint") or not outcome.ready
    )
    if unchanged:
        return
    phase = "Ready" if outcome.ready else "Degraded"
    report(
        patch,
        state,
        raw,
        phase=phase,
        ready=outcome.ready,
        reason=outcome.reason,
        message=outcome.message,
        endpoint=outcome.endpoint,
    )


async def withdraw(name: str, namespace: str, memo: Any, **_: Any) -> None:
    """Out of the model table (before the finalizer lets the Model go)."""
    deps: Deps = memo.deps
    try:
        await publish(deps, namespace, name, None)
    except (KubeError, aiohttp.ClientError, TimeoutError) as exc:
        raise kopf.TemporaryError(f"could not write the model table: {exc}", delay=10) from None
    deps.published.pop(_key(namespace, name), None)


def register(registry: kopf.OperatorRegistry, settings: Settings) -> None:
    resource = (GROUP, VERSION, "models")
    kopf.on.create(*resource, registry=registry)(reconcile)
    kopf.on.update(*resource, registry=registry)(reconcile)
    kopf.on.resume(*resource, registry=registry)(reconcile)
    kopf.on.delete(*resource, registry=registry)(withdraw)
    interval = settings.operator_check_interval_s
    kopf.timer(*resource, interval=interval, initial_delay=interval, registry=registry)(check)
