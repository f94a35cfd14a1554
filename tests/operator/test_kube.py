"""The operator's small Kubernetes client (operators/kube.py) against kmock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest

from operators.kube import (
    CONFIGMAPS,
    INFERENCE_SERVICES,
    Kube,
    KubeConflictError,
    KubeError,
    contains,
    without_nulls,
)
from tests.operator.conftest import NAMESPACE

pytestmark = pytest.mark.unit


def test_contains_is_what_a_merge_patch_would_not_change() -> None:
    live = {"spec": {"replicas": 1, "template": {"a": 1, "b": 2}}, "status": {"x": 1}}
    assert contains(live, {"spec": {"replicas": 1, "template": {"a": 1}}})
    assert not contains(live, {"spec": {"replicas": 2}})
    assert contains(live, {"spec": {"runtimeClassName": None}})  # absent, as asked
    assert not contains(
        {"spec": {"runtimeClassName": "nvidia"}}, {"spec": {"runtimeClassName": None}}
    )
    assert not contains({"l": [1, 2]}, {"l": [1]})  # lists are replaced whole
    assert without_nulls({"a": None, "b": {"c": None, "d": [{"e": None, "f": 1}]}}) == {
        "b": {"d": [{"f": 1}]}
    }


async def test_connect_in_the_cluster_or_through_a_proxy(tmp_path: Path) -> None:
    async with aiohttp.ClientSession() as session:
        assert (
            Kube.connect(session, "http://127.0.0.1:8001", None).server == "http://127.0.0.1:8001"
        )
        assert Kube.connect(session, None, "10.96.0.1", 443).server == "https://10.96.0.1:443"
        assert Kube.connect(session, None, "fd00::1", 443).server == "https://[fd00::1]:443"
        with pytest.raises(RuntimeError, match="OPERATOR_KUBE_API"):
            Kube.connect(session, None, None)


async def test_apply_creates_then_patches_then_leaves_alone(cluster: Any) -> None:
    async with aiohttp.ClientSession() as session:
        kube = Kube(session, str(cluster.url))
        desired = {"metadata": {"name": "t"}, "data": {"a": "1"}}
        await kube.apply(CONFIGMAPS, NAMESPACE, desired)
        await kube.apply(CONFIGMAPS, NAMESPACE, {"metadata": {"name": "t"}, "data": {"a": "2"}})
        await kube.apply(CONFIGMAPS, NAMESPACE, {"metadata": {"name": "t"}, "data": {"a": "2"}})
        history = cluster.objects["v1/configmaps", NAMESPACE, "t"].history
        assert [v["data"]["a"] for v in history] == ["1", "2"]  # the third call wrote nothing
        with pytest.raises(KubeConflictError):
            await kube.create(CONFIGMAPS, NAMESPACE, desired)
        assert await kube.get(CONFIGMAPS, NAMESPACE, "nope") is None
        assert await kube.delete(CONFIGMAPS, NAMESPACE, "t") is True
        assert await kube.delete(CONFIGMAPS, NAMESPACE, "t") is False


async def test_discovery_says_which_apis_are_served(cluster: Any) -> None:
    async with aiohttp.ClientSession() as session:
        kube = Kube(session, str(cluster.url))
        assert await kube.serves(CONFIGMAPS)
        assert not await kube.serves(INFERENCE_SERVICES)
        with pytest.raises(KubeError) as caught:
            await kube.list(INFERENCE_SERVICES, NAMESPACE)
        assert caught.value.status == 404
