"""A worker process for dropped-in Python plugins: ``python -m services.tool_registry.worker``.

Dropped-in plugins run here, not in the registry, so that a plugin that hangs or burns CPU can
be killed at its timeout (the registry kills the whole process and starts another) and never
sees the registry's secrets (the worker gets a scrubbed environment).

Protocol: one JSON request per line on stdin, one JSON answer per line on the original stdout.
The plugin's own prints go to stderr (the registry logs them), so they cannot corrupt answers.

    {"op": "describe", "source": SOURCE}
        -> {"ok": true, "tools": [{"name", "description", "parameters"}], "problems": [...],
            "version": ...} | {"ok": false, "error": "..."}
    {"op": "call", "source": SOURCE, "tool": NAME, "arguments": {...}, "cpu_s": N}
        -> {"status": "ok", "result": ...} | {"status": "invalid", "errors": [...]}
         | {"status": "error", "error": "..."}

SOURCE is ``{"file": PATH, "digest": SHA256}`` or ``{"entry_point": NAME, "value": "mod:attr"}``.
A call names the digest of the file version the registry described; if the file on disk has
changed since, the answer is an error (the registry is about to reload it).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import resource
import sys
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from services.tool_registry.errors import ArgumentsError, PluginError
from services.tool_registry.functions import FunctionTool, jsonable
from services.tool_registry.isolation import apply_limits
from services.tool_registry.loading import (
    LoadedPlugin,
    digest,
    load_file,
    module_prefix,
    tools_of,
)

_loaded: dict[tuple[str, str], LoadedPlugin] = {}


def _load(source: dict[str, Any]) -> LoadedPlugin:
    if "file" in source:
        path = Path(source["file"])
        data = path.read_bytes()
        actual = digest(data)
        wanted = source.get("digest") or actual
        if actual != wanted:
            raise PluginError(f"{path} changed since it was loaded; it is being reloaded")
        key = (str(path), actual)
        if key not in _loaded:
            module = load_file(path, data)
            # One version per file: an edited plugin's old module is dropped, not kept forever.
            for old in [k for k in _loaded if k[0] == key[0]]:
                del _loaded[old]
                sys.modules.pop(f"{module_prefix(path)}{old[1][:12]}", None)
            _loaded[key] = tools_of(module, str(path))
        return _loaded[key]
    key = ("entry_point", source["value"])
    if key not in _loaded:
        point = importlib.metadata.EntryPoint(
            source["entry_point"], source["value"], "aistack.tools"
        )
        try:
            plugin = point.load()
        except Exception as exc:  # noqa: BLE001 - an uninstallable plugin is reported, not fatal
            raise PluginError(
                f"cannot import {source['value']}: {type(exc).__name__}: {exc}"
            ) from None
        _loaded[key] = tools_of(plugin, source["entry_point"])
    return _loaded[key]


def describe(source: dict[str, Any]) -> dict[str, Any]:
    try:
        plugin = _load(source)
    except PluginError as exc:
        return {"ok": False, "error": str(exc)}
    tools = [
        {
            "name": t.name,
            "description": t.description,
            "parameters": t.parameters,
            "timeout_s": t.timeout_s,
            "quantities": t.quantities,
        }
        for t in plugin.tools
    ]
    return {"ok": True, "tools": tools, "problems": plugin.problems, "version": plugin.version}


def _find(plugin: LoadedPlugin, name: str) -> FunctionTool:
    for tool in plugin.tools:
        if tool.name == name:
            return tool
    raise PluginError(f"the plugin no longer defines a tool named {name!r}")


def _cpu_guard(seconds: int) -> None:
    # CPU time adds up over the worker's life: allow this call `seconds` more than so far.
    used = resource.getrusage(resource.RUSAGE_SELF)
    spent = int(used.ru_utime + used.ru_stime) + 1
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    resource.setrlimit(resource.RLIMIT_CPU, (spent + seconds, hard))


def call(request: dict[str, Any]) -> dict[str, Any]:
    try:
        tool = _find(_load(request["source"]), request["tool"])
    except PluginError as exc:
        return {"status": "error", "error": str(exc)}
    try:
        arguments = tool.validate(request.get("arguments") or {})
    except ArgumentsError as exc:
        return {"status": "invalid", "errors": [p.as_dict() for p in exc.problems]}
    _cpu_guard(int(request.get("cpu_s") or 60))
    try:
        result = jsonable(tool.function(**arguments))
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        return {"status": "error", "error": f"{type(exc).__name__}: {exc}"}
    return {"status": "ok", "result": result}


def handle(request: dict[str, Any]) -> dict[str, Any]:
    op = request.get("op")
    if op == "describe":
        return describe(request["source"])
    if op == "call":
        return call(request)
    if op == "ping":
        return {"ok": True, "pid": os.getpid()}
    return {"ok": False, "error": f"unknown op {op!r}"}


def _answer(out: BinaryIO, answer: dict[str, Any], max_bytes: int) -> None:
    try:
        data = orjson.dumps(answer)
    except TypeError as exc:
        data = orjson.dumps({"status": "error", "error": f"the result is not JSON: {exc}"})
    if len(data) > max_bytes:
        data = orjson.dumps(
            {"status": "error", "error": f"the result is larger than {max_bytes} bytes"}
        )
    out.write(data + b"\n")
    out.flush()


def serve(requests: BinaryIO, out: BinaryIO, max_bytes: int) -> None:
    _answer(out, {"ready": True, "pid": os.getpid()}, max_bytes)
    for line in requests:
        if not line.strip():
            continue
        try:
            request = orjson.loads(line)
            answer = handle(request)
        except Exception as exc:  # noqa: BLE001 - one bad request must not end the worker
            answer = {"ok": False, "status": "error", "error": f"{type(exc).__name__}: {exc}"}
        _answer(out, answer, max_bytes)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="tool-registry plugin worker")
    parser.add_argument("--memory-mb", type=int, default=2048)
    parser.add_argument("--max-output-bytes", type=int, default=1024 * 1024)
    args = parser.parse_args(argv)
    # Answers go to a private copy of stdout; fd 1 becomes stderr for whatever plugins print,
    # and fd 0 /dev/null (plugins must not read the requests).
    out = os.fdopen(os.dup(1), "wb")
    requests = os.fdopen(os.dup(0), "rb")
    os.dup2(2, 1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    apply_limits(
        cpu_s=resource.RLIM_INFINITY,
        memory_bytes=args.memory_mb * 1024 * 1024,
        max_file_bytes=256 * 1024 * 1024,
    )
    # Unit-aware parameters convert through pint: build its registry before the first call.
    from services.kit.conversion import finder

    _ = finder().registry
    serve(requests, out, args.max_output_bytes)


if __name__ == "__main__":
    sys.exit(main())
