"""Calling a kopf handler as kopf does: its keyword arguments, a ``patch`` applied afterwards
(to the object in kmock, as kopf would), and the outcome (None or the kopf error raised)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import jsonschema
import kopf
import yaml

from operators.deps import Deps
from operators.kube import Resource
from tests.operator.conftest import CRDS, NAMESPACE
from tests.operator.openapi import to_json_schema

LOGGER = logging.getLogger("tests.operator")


async def create(deps: Deps, res: Resource, body: dict[str, Any]) -> dict[str, Any]:
    return await deps.kube.create(res, NAMESPACE, body)


async def call(
    handler: Callable[..., Awaitable[Any]],
    deps: Deps,
    res: Resource,
    name: str,
    memo: Any,
) -> tuple[dict[str, Any], kopf.Patch, Exception | None]:
    """Run ``handler`` on the object as it is in kmock now, then apply its patch there.
    Returns (the object afterwards, the patch, the kopf error or None)."""
    body = await deps.kube.get(res, NAMESPACE, name)
    assert body is not None, name
    patch = kopf.Patch()
    error: Exception | None = None
    try:
        await handler(
            body=body,
            spec=body.get("spec", {}),
            meta=body["metadata"],
            status=body.get("status", {}),
            name=name,
            namespace=NAMESPACE,
            patch=patch,
            memo=memo,
            logger=LOGGER,
        )
    except (kopf.TemporaryError, kopf.PermanentError) as exc:
        error = exc
    if patch.status:
        # Every field a handler reports is declared in the CRD (the API server would drop the
        # others without a word).
        jsonschema.validate(dict(patch.status), status_schema(res.kind))
        await deps.kube.patch(res, NAMESPACE, name, {"status": dict(patch.status)}, sub="status")
    after = await deps.kube.get(res, NAMESPACE, name)
    return after or body, patch, error


@functools.cache
def status_schema(kind: str) -> dict[str, Any]:
    plural = {"Model": "models", "KnowledgeBase": "knowledgebases", "ToolPlugin": "toolplugins"}
    crd = yaml.safe_load((CRDS / f"{plural[kind]}.aistack.dev.yaml").read_text(encoding="utf-8"))
    (version,) = crd["spec"]["versions"]
    return to_json_schema(version["schema"]["openAPIV3Schema"]["properties"]["status"])


def ready_condition(body: dict[str, Any]) -> dict[str, Any]:
    (ready,) = [c for c in body["status"]["conditions"] if c["type"] == "Ready"]
    return ready
