"""YAML CLI tool manifests (``*.tool.yaml``): what they may say, and the argv they produce.

    name: word_count                      # ^[a-zA-Z0-9_-]{1,64}$
    description: Count the words of a text
    parameters:                           # JSON Schema of the arguments (type: object)
      type: object
      properties: {text: {type: string}}
      required: [text]
    argv: ["wc", "-w"]                    # "{param}" fills one whole argv element
    stdin: "{text}"                       # optional
    timeout_s: 5                          # optional (TOOLS_DEFAULT_TIMEOUT_S)
    env: [LANG]                           # variables passed through; nothing else is
    max_output_bytes: 65536               # optional (TOOLS_MAX_OUTPUT_BYTES)

Optional too: ``version``, ``output: text | json`` (parse stdout as JSON), ``cpu_s`` and
``memory_mb`` (resource limits of the process).

Never a shell: each argv element is rendered on its own, so an argument fills exactly one
element whatever it contains (``; rm -rf /`` stays one literal argument). A placeholder may also
sit inside an element (``--lang={lang}``); an element whose argument is absent is dropped. The
program itself (``argv[0]``) is fixed by the manifest, never taken from an argument.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any, Literal

import orjson
import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from services.tool_registry.errors import ArgumentProblem, PluginError, json_path
from services.tool_registry.functions import NAME_PATTERN

_TOKEN = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=NAME_PATTERN.pattern)
    description: str = Field(min_length=1)
    parameters: dict[str, Any]
    argv: list[str] = Field(min_length=1)
    stdin: str | None = None
    timeout_s: float | None = Field(None, gt=0)
    env: list[str] = Field(default_factory=list)
    max_output_bytes: int | None = Field(None, gt=0)
    version: str | None = None
    output: Literal["text", "json"] = "text"
    cpu_s: int | None = Field(None, gt=0)
    memory_mb: int | None = Field(None, ge=16)

    @field_validator("parameters")
    @classmethod
    def _schema(cls, value: dict[str, Any]) -> dict[str, Any]:
        if value.get("type") != "object":
            raise ValueError("must be a JSON Schema with type: object")
        try:
            Draft202012Validator.check_schema(value)
        except SchemaError as exc:
            raise ValueError(f"not a valid JSON Schema: {exc.message}") from None
        return value

    @field_validator("env")
    @classmethod
    def _env_names(cls, value: list[str]) -> list[str]:
        for name in value:
            if not _ENV_NAME.match(name):
                raise ValueError(f"{name!r} is not an environment variable name")
        return value

    @model_validator(mode="after")
    def _placeholders(self) -> Manifest:
        declared = set(self.parameters.get("properties", {}))
        if placeholders(self.argv[0]):
            raise ValueError("argv[0] (the program) cannot come from an argument")
        for template in [*self.argv, self.stdin or ""]:
            unknown = placeholders(template) - declared
            if unknown:
                raise ValueError(
                    f"{template!r} refers to {sorted(unknown)}, not among the parameters"
                )
        return self

    @functools.cached_property
    def validator(self) -> Draft202012Validator:
        # Built once per loaded manifest, not on every invoke.
        return Draft202012Validator(self.parameters)


def placeholders(template: str) -> set[str]:
    return {m.group(1) for m in _TOKEN.finditer(template) if m.group(1)}


def load_manifest(path: Path, source: bytes) -> Manifest:
    """Parse and check one manifest file.

    Raises:
        PluginError: invalid YAML, or a manifest that breaks the rules above (every problem).
    """
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        raise PluginError(f"invalid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise PluginError("a tool manifest is a YAML mapping (name, description, parameters, argv)")
    try:
        return Manifest.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'manifest'}: "
            f"{e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors(include_url=False)
        )
        raise PluginError(f"invalid manifest: {problems}") from None


def check_arguments(manifest: Manifest, arguments: dict[str, Any]) -> list[ArgumentProblem]:
    """Every way ``arguments`` fails the manifest's schema (empty when valid)."""
    problems = []
    for err in sorted(manifest.validator.iter_errors(arguments), key=lambda e: list(e.path)):
        where = list(err.path)
        if err.validator == "required" and isinstance(err.instance, dict):
            # jsonschema reports a missing property at the object; point at the property.
            missing = [r for r in err.validator_value if r not in err.instance]
            for name in missing:
                problems.append(
                    ArgumentProblem(
                        json_path([*where, name]), "required argument is missing", "missing"
                    )
                )
            continue
        problems.append(ArgumentProblem(json_path(where), err.message, str(err.validator)))
    return problems


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return orjson.dumps(value).decode()


def render(template: str, arguments: dict[str, Any]) -> str | None:
    """``template`` with its placeholders filled; None when one names an absent argument."""
    missing = False

    def fill(match: re.Match[str]) -> str:
        nonlocal missing
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        value = arguments.get(match.group(1))
        if value is None:
            missing = True
            return ""
        return _text(value)

    text = _TOKEN.sub(fill, template)
    return None if missing else text


def build_argv(manifest: Manifest, arguments: dict[str, Any]) -> list[str]:
    """The argv list: each element rendered on its own (never joined, never a shell)."""
    argv = []
    for template in manifest.argv:
        element = render(template, arguments)
        if element is not None:
            argv.append(element)
    return argv


def build_stdin(manifest: Manifest, arguments: dict[str, Any]) -> bytes | None:
    if manifest.stdin is None:
        return None
    return (render(manifest.stdin, arguments) or "").encode("utf-8")
