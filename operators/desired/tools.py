"""ToolPlugin → one file in the tool registry's plugins ConfigMap.

The registry mounts that ConfigMap at ``/etc/ai-stack/tools`` (a folder of its PLUGINS_DIR)
and reloads it when the kubelet swaps the files, so a manifest written here becomes a tool
without a restart. Each ToolPlugin owns one key, ``<name>.tool.yaml``; nothing else in the
ConfigMap is touched (its other keys are the chart's ``tool-registry.manifests``).
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
import yaml

SUFFIX = ".tool.yaml"


def file_name(name: str) -> str:
    return f"{name}{SUFFIX}"


def manifest_yaml(manifest: dict[str, Any]) -> str:
    return yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True)


def add(name: str, manifest: dict[str, Any]) -> dict[str, Any]:
    """The merge patch that writes the plugin's file."""
    return {"data": {file_name(name): manifest_yaml(manifest)}}


def remove(name: str) -> dict[str, Any]:
    """The merge patch that removes it (null deletes a key)."""
    return {"data": {file_name(name): None}}


def definition_hash(manifest: dict[str, Any]) -> str:
    """The hash the registry shows for the tool (services/tool_registry/definition.py: what
    the model reads, description and parameters), to tell the current manifest from an older
    one the registry still has loaded."""
    canonical = orjson.dumps(
        {"description": manifest.get("description"), "parameters": manifest.get("parameters")},
        option=orjson.OPT_SORT_KEYS,
    )
    return "sha256:" + hashlib.sha256(canonical).hexdigest()
