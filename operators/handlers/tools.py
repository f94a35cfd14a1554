"""ToolPlugin: its manifest as a file in the tool registry's plugins ConfigMap.

create / update / resume → :func:`reconcile`: write ``<name>.tool.yaml`` into the ConfigMap,
then ask the registry (``GET /tools``, ``GET /tools/errors``) until it has loaded that file:
Registered with the tool's name and hash, or Failed with the registry's error (a bad manifest:
permanent until the spec changes). delete → :func:`unregister` removes the file.
"""

from __future__ import annotations

from typing import Any

import kopf

from operators import registry as tool_registry
from operators.conditions import AVAILABLE, FAILED, UNREACHABLE, WAITING, now
from operators.deps import Deps
from operators.desired import tools as desired
from operators.desired.common import spec_hash
from operators.desired.spec import SpecError, parse_tool_plugin
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
from operators.kube import CONFIGMAPS, KubeError, KubeNotFoundError
from operators.settings import Settings
from services.kit.errors import ServiceError


async def _write(deps: Deps, namespace: str, body: dict[str, Any]) -> None:
    """Raises KubeNotFoundError when the registry's ConfigMap is not there."""
    await deps.kube.patch(CONFIGMAPS, namespace, deps.settings.tools_configmap, body)


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
    """create / update / resume: write the manifest, then report the registry's verdict.

    Raises kopf.TemporaryError until the registry has loaded it (or while the ConfigMap or the
    registry is missing) and kopf.PermanentError when the registry refuses the manifest.
    """
    deps: Deps = memo.deps
    raw, state = dict(body), dict(status)
    try:
        manifest = parse_tool_plugin(dict(spec)).manifest
    except SpecError as exc:
        raise invalid(patch, state, raw, str(exc)) from None
    file = f"{deps.settings.operator_tools_dir.rstrip('/')}/{desired.file_name(name)}"
    expected = desired.definition_hash(manifest)
    content = spec_hash(manifest)
    # When this content was first written: the registry's verdicts from before are stale.
    written_at = state.get("writtenAt") if state.get("written") == content else None
    written_at = written_at or now()
    patch.status["written"] = content
    patch.status["writtenAt"] = written_at
    with api_errors(patch, state, raw):
        try:
            await _write(deps, namespace, desired.add(name, manifest))
        except KubeNotFoundError:
            message = (
                f"the tool registry's ConfigMap {deps.settings.tools_configmap} does not exist "
                "(is tool-registry.enabled on?)"
            )
            raise temporary(
                patch,
                state,
                raw,
                phase="Pending",
                reason=UNREACHABLE,
                message=message,
                delay=RETRY_FAILED,
                file=file,
            ) from None
        try:
            verdict = await tool_registry.verdict(deps.registry, file)
        except ServiceError as exc:
            raise temporary(
                patch,
                state,
                raw,
                phase="Pending",
                reason=UNREACHABLE,
                message=exc.message,
                delay=RETRY_UNREACHABLE,
                file=file,
            ) from None
    if verdict.error and (verdict.at or "") >= written_at:
        report(
            patch,
            state,
            raw,
            phase="Failed",
            ready=False,
            reason=FAILED,
            message=f"the tool registry refused the manifest: {verdict.error}",
            file=file,
            error=verdict.error,
            tool=None,
            hash=None,
        )
        raise kopf.PermanentError(verdict.error)
    if not verdict.registered or verdict.hash != expected:
        message = "waiting for the tool registry to load the manifest (about a minute)"
        raise temporary(
            patch,
            state,
            raw,
            phase="Pending",
            reason=WAITING,
            message=message,
            delay=RETRY_WAITING,
            file=file,
        )
    report(
        patch,
        state,
        raw,
        phase="Registered",
        ready=True,
        reason=AVAILABLE,
        message=f"registered as the tool {verdict.tool}",
        tool=verdict.tool,
        hash=verdict.hash,
        source=verdict.source,
        file=file,
        error=None,
    )


async def unregister(name: str, namespace: str, memo: Any, **_: Any) -> None:
    deps: Deps = memo.deps
    try:
        await _write(deps, namespace, desired.remove(name))
    except KubeNotFoundError:
        return  # the ConfigMap is gone: so is the file
    except KubeError as exc:
        raise kopf.TemporaryError(f"cannot remove the manifest: {exc}", delay=10) from None


def register(registry: kopf.OperatorRegistry, settings: Settings) -> None:
    resource = (GROUP, VERSION, "toolplugins")
    kopf.on.create(*resource, registry=registry)(reconcile)
    kopf.on.update(*resource, registry=registry)(reconcile)
    kopf.on.resume(*resource, registry=registry)(reconcile)
    kopf.on.delete(*resource, registry=registry)(unregister)
