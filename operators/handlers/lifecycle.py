"""Start-up, clean-up and the liveness probe.

On start-up the dependencies are made (``memo.deps``) and kopf is configured: its own
bookkeeping goes into annotations and the status field ``kopf`` is left alone, finalizers are
named after the group, and posting events for every handler's log lines is limited to warnings.
The probe (``@kopf.on.probe``, served on OPERATOR_HEALTH_PORT at /healthz) asks the Kubernetes
API for its version: an operator that cannot reach the API is restarted.
"""

from __future__ import annotations

import logging
from typing import Any

import kopf

from operators.deps import Deps, kube_session
from operators.desired.common import GROUP
from operators.kube import Kube
from operators.settings import Settings


def configure(settings: kopf.OperatorSettings) -> None:
    settings.persistence.finalizer = f"{GROUP}/operator"
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=GROUP)
    settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(prefix=GROUP)
    settings.posting.level = logging.WARNING
    settings.watching.server_timeout = 300
    # One replica, no peering objects (the chart runs exactly one, strategy Recreate).
    settings.peering.standalone = True
    # The namespace is given and the CRDs exist before the operator starts (the chart): no
    # cluster-wide scanning of namespaces and CRDs, which a namespaced Role does not allow.
    settings.scanning.disabled = True


def register(registry: kopf.OperatorRegistry, settings: Settings) -> None:
    operator_settings = settings

    async def startup(memo: Any, settings: kopf.OperatorSettings, **_: Any) -> None:
        configure(settings)
        # Made here, inside the operator's event loop (tests hand in their own).
        if getattr(memo, "deps", None) is None:
            memo.deps = make_deps(operator_settings)

    async def cleanup(memo: Any, **_: Any) -> None:
        deps: Deps | None = getattr(memo, "deps", None)
        if deps is not None:
            await deps.aclose()

    async def kubernetes_api(memo: Any, **_: Any) -> str:
        deps: Deps = memo.deps
        version = await deps.kube.request("GET", "/version")
        return str(version.get("gitVersion", "?"))

    kopf.on.startup(registry=registry)(startup)
    kopf.on.cleanup(registry=registry)(cleanup)
    kopf.on.probe(id="kubernetes_api", registry=registry)(kubernetes_api)


def make_deps(settings: Settings) -> Deps:
    """The dependencies of the operator's own process (call inside the event loop)."""
    kube = Kube.connect(
        kube_session(),
        settings.operator_kube_api,
        settings.kubernetes_service_host,
        settings.kubernetes_service_port,
    )
    return Deps.open(settings, kube)
