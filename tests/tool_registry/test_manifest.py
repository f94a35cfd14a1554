"""YAML manifests: what a valid one looks like, and argv built element by element (no shell)."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.tool_registry.errors import PluginError
from services.tool_registry.manifest import (
    build_argv,
    build_stdin,
    check_arguments,
    load_manifest,
)

pytestmark = pytest.mark.unit

WORD_COUNT = b"""
name: word_count
description: Count the words of a text
parameters:
  type: object
  properties: {text: {type: string}}
  required: [text]
argv: ["wc", "-w"]
stdin: "{text}"
timeout_s: 5
env: [LANG]
max_output_bytes: 65536
"""

ECHO = b"""
name: echo_args
description: Print the arguments
parameters:
  type: object
  properties:
    a: {type: string}
    n: {type: integer}
    flag: {type: boolean}
  required: [a]
argv: ["printf", "%s\\n", "{a}", "--count={n}", "{flag}", "{{literal}}"]
"""


def test_the_contract_example_loads() -> None:
    manifest = load_manifest(Path("word_count.tool.yaml"), WORD_COUNT)
    assert (manifest.name, manifest.timeout_s, manifest.env) == ("word_count", 5, ["LANG"])
    assert build_argv(manifest, {"text": "a b"}) == ["wc", "-w"]
    assert build_stdin(manifest, {"text": "a b c"}) == b"a b c"


@pytest.mark.parametrize(
    "hostile", ["; rm -rf /", "$(id)", "`id`", "a\nb", "' OR 1=1 --", "{n}", "--help", ""]
)
def test_an_argument_fills_exactly_one_element_literally(hostile: str) -> None:
    manifest = load_manifest(Path("echo.tool.yaml"), ECHO)
    argv = build_argv(manifest, {"a": hostile, "n": 3, "flag": True})
    assert argv == ["printf", "%s\n", hostile, "--count=3", "true", "{literal}"]


def test_elements_of_absent_arguments_are_dropped() -> None:
    manifest = load_manifest(Path("echo.tool.yaml"), ECHO)
    assert build_argv(manifest, {"a": "x"}) == ["printf", "%s\n", "x", "{literal}"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"name: bad.name\ndescription: d\nparameters: {type: object}\nargv: [ls]", "name"),
        (b"name: t\ndescription: d\nparameters: {type: array}\nargv: [ls]", "type: object"),
        (b"name: t\ndescription: d\nparameters: {type: object}\nargv: ['{p}']", "argv"),
        (
            b"name: t\ndescription: d\nparameters: {type: object, properties: {a: {}}}\n"
            b"argv: [ls, '{b}']",
            r"refers to \['b'\], not among the parameters",
        ),
        (b"name: t\ndescription: d\nparameters: {type: object}\nargv: [ls]\ntimeout: 3", "timeout"),
        (b"name: t\ndescription: d\nparameters: {type: object}\nargv: []", "argv"),
        (b"name: t\ndescription: d\nparameters: {type: object}\nargv: [ls]\nenv: ['A B']", "env"),
        (b"name: [unclosed", "invalid YAML"),
        (b"- a list", "YAML mapping"),
        (
            b"name: t\ndescription: d\nparameters: {type: object, properties: 3}\nargv: [ls]",
            "not a valid JSON Schema",
        ),
    ],
)
def test_invalid_manifests_say_what_is_wrong(text: bytes, message: str) -> None:
    with pytest.raises(PluginError, match=message):
        load_manifest(Path("t.tool.yaml"), text)


def test_argument_problems_carry_json_paths() -> None:
    manifest = load_manifest(Path("echo.tool.yaml"), ECHO)
    problems = check_arguments(manifest, {"n": "three", "flag": 1})
    assert [(p.path, p.type) for p in problems] == [
        ("$.a", "missing"),
        ("$.flag", "type"),
        ("$.n", "type"),
    ]
    assert check_arguments(manifest, {"a": "x"}) == []
