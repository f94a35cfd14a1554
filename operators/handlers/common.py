"""What every handler shares: the custom resources, status reports, and errors by kind.

Errors by kind: anything that heals on its own (an API not installed yet, a peer not up, a
Deployment still loading its weights) raises ``kopf.TemporaryError`` with a delay; a spec the
operator cannot act on raises ``kopf.PermanentError`` (kopf stops retrying until the spec
changes). Either way the ``Ready`` condition says what happened first.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import aiohttp
import kopf

from operators.conditions import API_MISSING, FAILED, INVALID_SPEC, UNREACHABLE, condition
from operators.desired.common import API_VERSION, GROUP, VERSION
from operators.kube import KubeError, Resource
from services.kit.errors import ServiceError

MODELS = Resource(API_VERSION, "models", "Model")
KNOWLEDGE_BASES = Resource(API_VERSION, "knowledgebases", "KnowledgeBase")
TOOL_PLUGINS = Resource(API_VERSION, "toolplugins", "ToolPlugin")
__all__ = ["GROUP", "KNOWLEDGE_BASES", "MODELS", "TOOL_PLUGINS", "VERSION"]

# Seconds before a retry, by what is wrong.
RETRY_API_MISSING = 300.0
RETRY_UNREACHABLE = 30.0
RETRY_WAITING = 15.0
RETRY_FAILED = 120.0


def report(
    patch: kopf.Patch,
    status: dict[str, Any],
    body: dict[str, Any],
    *,
    phase: str,
    ready: bool,
    reason: str,
    message: str,
    **fields: Any,
) -> None:
    """Set the phase, the message, the Ready condition and any other status fields."""
    generation = body.get("metadata", {}).get("generation")
    patch.status["phase"] = phase
    patch.status["message"] = message[:1024]
    patch.status["observedGeneration"] = generation
    patch.status["conditions"] = condition(
        status.get("conditions"), ready, reason, message, generation
    )
    for key, value in fields.items():
        patch.status[key] = value


def invalid(patch: kopf.Patch, status: dict, body: dict, message: str) -> kopf.PermanentError:
    report(patch, status, body, phase="Failed", ready=False, reason=INVALID_SPEC, message=message)
    return kopf.PermanentError(message)


def temporary(
    patch: kopf.Patch,
    status: dict,
    body: dict,
    *,
    phase: str,
    reason: str,
    message: str,
    delay: float,
    **fields: Any,
) -> kopf.TemporaryError:
    report(patch, status, body, phase=phase, ready=False, reason=reason, message=message, **fields)
    return kopf.TemporaryError(message, delay=delay)


@contextlib.contextmanager
def api_errors(patch: kopf.Patch, status: dict, body: dict) -> Iterator[None]:
    """Kubernetes API and peer failures as status conditions and kopf's errors.

    422 from the API: what the operator built is invalid for this spec (permanent). 403: the
    operator's RBAC is missing a verb (retried: a chart upgrade fixes it). A peer service or
    the API that does not answer: retried.
    """
    try:
        yield
    except KubeError as exc:
        if exc.status == 422:
            message = f"the cluster refused an object built from this spec: {exc.message}"
            report(
                patch,
                status,
                body,
                phase="Failed",
                ready=False,
                reason=INVALID_SPEC,
                message=message,
            )
            raise kopf.PermanentError(message) from None
        reason = API_MISSING if exc.status == 404 else FAILED
        message = f"the Kubernetes API refused a call: {exc}"
        raise temporary(
            patch,
            status,
            body,
            phase="Pending",
            reason=reason,
            message=message,
            delay=RETRY_FAILED,
        ) from None
    except ServiceError as exc:
        raise temporary(
            patch,
            status,
            body,
            phase="Pending",
            reason=UNREACHABLE,
            message=exc.message,
            delay=RETRY_UNREACHABLE,
        ) from None
    except (aiohttp.ClientError, TimeoutError) as exc:  # the API server itself
        message = f"the Kubernetes API did not answer: {type(exc).__name__} {exc}"
        raise temporary(
            patch,
            status,
            body,
            phase="Pending",
            reason=UNREACHABLE,
            message=message,
            delay=RETRY_UNREACHABLE,
        ) from None
