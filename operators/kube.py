"""A small asynchronous Kubernetes API client: the verbs the handlers need, on aiohttp.

kopf talks to the API for its own bookkeeping (watching, status patches, finalizers); the
handlers create and read the objects a resource needs through :class:`Kube`. Writes are
create-or-merge-patch (:meth:`Kube.apply`), so reconciling twice changes nothing the second
time. In the cluster it authenticates with the pod's projected service-account token, read
again on every call (the kubelet rotates it); from a laptop point ``OPERATOR_KUBE_API`` at
``kubectl proxy``.

Errors::

    KubeError            any refusal (status, reason, message from the API's Status body)
     ├── KubeNotFoundError        404: no such object, or the API does not serve the resource
     └── KubeConflictError        409: it exists already / it changed underneath
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import orjson

SERVICE_ACCOUNT = Path("/var/run/secrets/kubernetes.io/serviceaccount")
MERGE_PATCH = "application/merge-patch+json"


class KubeError(Exception):
    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(f"{status} {reason}: {message}")
        self.status = status
        self.reason = reason
        self.message = message


class KubeNotFoundError(KubeError):
    pass


class KubeConflictError(KubeError):
    pass


@dataclass(frozen=True)
class Resource:
    """A kind the operator reads or writes: ``Resource("apps/v1", "deployments", "Deployment")``"""

    api_version: str
    plural: str
    kind: str

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]

    @property
    def version(self) -> str:
        return self.api_version.rpartition("/")[2]

    @property
    def root(self) -> str:
        """The group/version's API path (the core group lives under /api)."""
        return f"/apis/{self.api_version}" if self.group else f"/api/{self.api_version}"

    def path(self, namespace: str, name: str | None = None, sub: str | None = None) -> str:
        path = f"{self.root}/namespaces/{namespace}/{self.plural}"
        if name:
            path += f"/{name}"
        if sub:
            path += f"/{sub}"
        return path


CONFIGMAPS = Resource("v1", "configmaps", "ConfigMap")
SERVICES = Resource("v1", "services", "Service")
DEPLOYMENTS = Resource("apps/v1", "deployments", "Deployment")
JOBS = Resource("batch/v1", "jobs", "Job")
CRONJOBS = Resource("batch/v1", "cronjobs", "CronJob")
INFERENCE_SERVICES = Resource("serving.kserve.io/v1beta1", "inferenceservices", "InferenceService")
RAY_SERVICES = Resource("ray.io/v1", "rayservices", "RayService")


def _ssl_context(ca: Path | None) -> ssl.SSLContext | bool:
    if ca is None or not ca.exists():
        return True
    return ssl.create_default_context(cafile=str(ca))


class Kube:
    """The API at ``server``; ``token_file`` is read on every request when given."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        server: str,
        token_file: Path | None = None,
        ca_file: Path | None = None,
    ) -> None:
        self.session = session
        self.server = server.rstrip("/")
        self.token_file = token_file
        self._ssl = _ssl_context(ca_file)

    @classmethod
    def connect(
        cls, session: aiohttp.ClientSession, api: str | None, host: str | None, port: int = 443
    ) -> Kube:
        """``api`` when given (kubectl proxy), else the in-cluster service account at
        ``host:port`` (KUBERNETES_SERVICE_HOST / _PORT)."""
        if api:
            return cls(session, api)
        if not host:
            raise RuntimeError(
                "not in a cluster (KUBERNETES_SERVICE_HOST unset): set OPERATOR_KUBE_API, "
                "e.g. to `kubectl proxy`'s http://127.0.0.1:8001"
            )
        if ":" in host:
            host = f"[{host}]"
        return cls(
            session,
            f"https://{host}:{port}",
            SERVICE_ACCOUNT / "token",
            SERVICE_ACCOUNT / "ca.crt",
        )

    def _headers(self, content_type: str | None = None) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if content_type:
            headers["Content-Type"] = content_type
        if self.token_file is not None:
            headers["Authorization"] = f"Bearer {self.token_file.read_text().strip()}"
        return headers

    async def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        content_type: str = "application/json",
        params: dict[str, str] | None = None,
    ) -> Any:
        """The decoded JSON answer. Raises KubeNotFoundError, KubeConflictError or KubeError."""
        data = orjson.dumps(body) if body is not None else None
        async with self.session.request(
            method,
            self.server + path,
            data=data,
            params=params,
            headers=self._headers(content_type if data is not None else None),
            ssl=self._ssl,
        ) as response:
            raw = await response.read()
            if response.status >= 400:
                raise _error(response.status, raw)
            return orjson.loads(raw) if raw else None

    async def get(self, res: Resource, namespace: str, name: str) -> dict[str, Any] | None:
        try:
            return await self.request("GET", res.path(namespace, name))
        except KubeNotFoundError:
            return None

    async def list(
        self, res: Resource, namespace: str, selector: str | None = None
    ) -> list[dict[str, Any]]:
        params = {"labelSelector": selector} if selector else None
        answer = await self.request("GET", res.path(namespace), params=params)
        return list(answer.get("items") or [])

    async def create(self, res: Resource, namespace: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self.request("POST", res.path(namespace), body)

    async def patch(
        self,
        res: Resource,
        namespace: str,
        name: str,
        body: dict[str, Any],
        sub: str | None = None,
    ) -> dict[str, Any]:
        """A JSON merge patch (RFC 7386: maps merge, lists are replaced, null removes)."""
        return await self.request("PATCH", res.path(namespace, name, sub), body, MERGE_PATCH)

    async def delete(self, res: Resource, namespace: str, name: str) -> bool:
        """False when it was not there. Dependents go in the background."""
        try:
            await self.request(
                "DELETE",
                res.path(namespace, name),
                {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"},
            )
        except KubeNotFoundError:
            return False
        return True

    async def apply(self, res: Resource, namespace: str, desired: dict[str, Any]) -> dict[str, Any]:
        """Create ``desired``, or merge-patch the live object towards it; nothing when it
        already says everything ``desired`` says."""
        name = desired["metadata"]["name"]
        live = await self.get(res, namespace, name)
        if live is None:
            try:
                return await self.create(res, namespace, without_nulls(desired))
            except KubeConflictError:
                live = await self.get(res, namespace, name) or {}
        if contains(live, desired):
            return live
        return await self.patch(res, namespace, name, desired)

    async def serves(self, res: Resource) -> bool:
        """Whether the cluster serves ``res`` (API discovery: the group/version's resources)."""
        try:
            answer = await self.request("GET", res.root)
        except KubeNotFoundError:
            return False
        return any(r.get("name") == res.plural for r in answer.get("resources") or [])


def without_nulls(value: Any) -> Any:
    """``value`` without the keys set to None (a merge patch's "remove", meaningless on create)."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def contains(live: Any, desired: Any) -> bool:
    """Whether ``live`` already has every value ``desired`` sets (None = must be absent)."""
    if isinstance(desired, dict):
        if not isinstance(live, dict):
            return False
        for key, value in desired.items():
            if value is None:
                if live.get(key) is not None:
                    return False
            elif key not in live or not contains(live[key], value):
                return False
        return True
    if isinstance(desired, list):
        return (
            isinstance(live, list)
            and len(live) == len(desired)
            and all(contains(a, b) for a, b in zip(live, desired, strict=True))
        )
    return live == desired


def _error(status: int, raw: bytes) -> KubeError:
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    reason = str(body.get("reason") or "")
    message = str(body.get("message") or raw[:200].decode(errors="replace"))
    if status == 404:
        return KubeNotFoundError(status, reason or "KubeNotFoundError", message)
    if status == 409:
        return KubeConflictError(status, reason or "KubeConflictError", message)
    return KubeError(status, reason or "Error", message)
