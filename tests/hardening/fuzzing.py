"""Fuzz one service's OpenAPI in process with schemathesis, and report what came back.

Every documented operation gets positive cases (valid by the schema; fields such as ``model``
that only configuration can make valid are set to a published value in most of them) and
negative ones (invalid by the schema), with a valid bearer most of the time and a missing or
SQL-shaped one now and then; then each path is sent the methods it does not declare. Every
response is checked; a failing case is recorded and the run goes on, so one run reports every
kind of failure at once.

Checks (``CHECKS``): no 5xx, every 4xx in the OpenAI error shape (:func:`openai_error_body`),
2xx bodies and content types as declared, a missing or bad bearer answered 401. Left out on
purpose: ``status_code_conformance`` (FastAPI documents 200 and 422 only; the services answer
400/401/404/413 by design, in the error shape checked here instead), ``positive_data_acceptance``
(a schema-valid body may still name an unknown model or document: 404 is right), and
``negative_data_rejection`` (the OpenAI surface accepts and ignores unknown fields, as clients
expect: the shared guide's rule).
"""

from __future__ import annotations

import copy
import itertools
import json
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.parameters import ParameterLocation
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from tests.hardening.targets import FuzzTarget

SQL_KEY = "' OR '1'='1"
OPEN_PATHS = frozenset({"/health", "/ready", "/metrics"})
METHODS = ("get", "post", "put", "patch", "delete")
# Out of every 10 cases: one without a bearer, one with an SQL-shaped one.
NO_AUTH, BAD_AUTH = 7, 8
# Out of every 4 positive cases, 3 carry the published value of a configuration field.
PUBLISHED_SHARE = 3


class OpenAIErrorBody(Failure):
    code = "ST990"
    checks = ("openai_error_body",)
    kind_title = "4xx without the OpenAI error body"


def openai_error_body(ctx: Any, response: Any, case: Any) -> bool | None:
    """A 4xx must carry ``{"error": {"message", "type", "param", "code"}}``."""
    if not 400 <= response.status_code < 500 or case.method.upper() == "HEAD":
        return None
    problem = _error_shape_problem(response.content)
    if problem and case.operation.definition.raw.get("x-error-shape") == "jsonrpc":
        problem = _jsonrpc_error_problem(response.content)
    if problem:
        raise OpenAIErrorBody(
            operation=case.operation.label,
            title="4xx without the OpenAI error body",
            message=f"{response.status_code}: {problem}: {response.content[:300]!r}",
        )
    return None


def _error_shape_problem(content: bytes) -> str | None:
    try:
        body = json.loads(content)
    except ValueError:
        return "the body is not JSON"
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return "no 'error' object"
    missing = {"message", "type", "param", "code"} - set(error)
    if missing:
        return f"'error' lacks {sorted(missing)}"
    if not isinstance(error["message"], str) or not error["message"]:
        return "'error.message' is not a non-empty string"
    if not isinstance(error["type"], str):
        return "'error.type' is not a string"
    return None


def _jsonrpc_error_problem(content: bytes) -> str | None:
    try:
        body = json.loads(content)
    except ValueError:
        return "the body is not JSON"
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or not isinstance(error.get("code"), int):
        return "neither an OpenAI error body nor a JSON-RPC error"
    if not isinstance(error.get("message"), str):
        return "'error.message' is not a string"
    return None


CHECKS: list[Callable[..., bool | None]] = [
    not_a_server_error,
    response_schema_conformance,
    content_type_conformance,
    openai_error_body,
]


@dataclass
class Found:
    """One failing case (the first of its kind: operation, status, check)."""

    operation: str
    status: int | None
    check: str
    detail: str

    def __str__(self) -> str:
        return f"{self.operation} → {self.status}: {self.check}: {self.detail[:600]}"


@dataclass
class FuzzReport:
    service: str
    cases: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    by_operation: dict[str, Counter[int]] = field(default_factory=dict)
    found: dict[tuple[str, int | None, str], Found] = field(default_factory=dict)
    reached: dict[str, int] = field(default_factory=dict)
    operations: int = 0

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def count(self, operation: str, status: int) -> None:
        self.cases += 1
        self.statuses[status] += 1
        self.by_operation.setdefault(operation, Counter())[status] += 1

    def add(self, found: Found) -> None:
        self.found.setdefault((found.operation, found.status, found.check), found)

    def line(self) -> str:
        spread = " ".join(f"{s}:{n}" for s, n in sorted(self.statuses.items()))
        return (
            f"{self.service:<14} {self.operations:>3} operations {self.cases:>6} cases  "
            f"5xx: {self.server_errors}  failures: {len(self.found)}  [{spread}]"
        )


class _Runner:
    def __init__(self, built: Any, report: FuzzReport, base_seed: int) -> None:
        self.built = built
        self.report = report
        self.base_seed = base_seed
        self.counter = itertools.count()

    def _auth(self, case: Any, n: int) -> tuple[str, dict[str, str]]:
        """Which bearer this case sends (``ok``, ``none``, ``bad``) and the header to add."""
        if _negated_headers(case):
            # Schemathesis drops or garbles declared headers here (the bearer among them):
            # the case tests exactly that, whatever header is added.
            return "generated", {}
        slot = 0 if case.operation.path in OPEN_PATHS else n % 10
        if case.headers:
            for name in [h for h in case.headers if h.lower() == "authorization"]:
                del case.headers[name]
        if slot == NO_AUTH:
            return "none", {}
        if slot == BAD_AUTH:
            return "bad", {"Authorization": f"Bearer {SQL_KEY}"}
        return "ok", {"Authorization": f"Bearer {self.built.bearer}"}

    def _publish(self, case: Any, n: int) -> None:
        body = case.body
        if not isinstance(body, dict) or n % 4 >= PUBLISHED_SHARE:
            return
        for name, value in self.built.published.get(case.operation.path, {}).items():
            if name in body:
                body[name] = value

    def run_case(self, case: Any, mode: GenerationMode) -> None:
        n = next(self.counter)
        if mode == GenerationMode.POSITIVE:
            self._publish(case, n)
        auth, headers = self._auth(case, n)
        headers.update(case.operation.definition.raw.get("x-headers", {}))
        try:
            response = case.call(headers=headers, timeout=60)
        except Exception as exc:  # noqa: BLE001 - an exception out of the app is a finding
            self.report.count(case.operation.label, 599)
            self.report.add(Found(case.operation.label, None, "app raised", repr(exc)))
            return
        status = response.status_code
        self.report.count(case.operation.label, status)
        if auth in ("none", "bad") and status != 401 and not _no_route(response):
            self.report.add(Found(case.operation.label, status, f"bearer {auth} not refused", ""))
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                self.report.add(
                    Found(
                        case.operation.label,
                        status,
                        type(failure).__name__,
                        f"{failure.title}: {failure.message} | {case.as_curl_command()}",
                    )
                )

    def run_operation(self, operation: Any, mode: GenerationMode, examples: int, n: int) -> None:
        strategy = operation.as_strategy(generation_mode=mode)

        @seed(self.base_seed + n)
        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=False,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def cases(case: Any) -> None:
            self.run_case(case, mode)

        try:
            with warnings.catch_warnings():
                # The app under test may use the `random` module while it answers; Hypothesis
                # takes that for a strategy doing so.
                warnings.filterwarnings("ignore", "Do not use the `random` module", Warning)
                cases()
        except Unsatisfiable:
            # Nothing invalid can be made of this operation's inputs (negative mode).
            pass

    def unsupported_methods(self, schema: Any, client: requests.Session) -> None:
        """Methods a path does not declare: 405 in the error shape (or 404 for templates)."""
        for path, item in schema.raw_schema["paths"].items():
            declared = {m for m in item if m in METHODS}
            jsonrpc = any(
                isinstance(op, dict) and op.get("x-error-shape") == "jsonrpc"
                for op in item.values()
            )
            if jsonrpc:
                # Streamable HTTP's own methods: GET opens the server's event stream, DELETE
                # ends a session (the SDK answers both).
                declared |= {"get", "delete"}
            concrete = path.replace("{", "x").replace("}", "")
            for method in sorted(set(METHODS) - declared):
                response = client.request(
                    method.upper(),
                    concrete,
                    headers={"Authorization": f"Bearer {self.built.bearer}"},
                    timeout=60,
                )
                label = f"{method.upper()} {path}"
                self.report.count(label, response.status_code)
                problem = None
                if not 400 <= response.status_code < 500:
                    problem = f"answered {response.status_code}"
                elif jsonrpc:
                    problem = _jsonrpc_error_problem(response.content)
                else:
                    problem = _error_shape_problem(response.content)
                if problem:
                    self.report.add(Found(label, response.status_code, "method", problem))


def fuzz(target: FuzzTarget, cases: int, home: Path, base_seed: int = 0) -> FuzzReport:
    """Build ``target``, run about ``cases`` generated requests, shut it down; the report.

    Positive and negative cases share the budget equally across the operations that take
    input; an operation without any input is sent once.
    """
    report = FuzzReport(target.name)
    with target.build(home) as built:
        try:
            schema = schemathesis.openapi.from_asgi(
                "/openapi.json", built.app, headers={"Authorization": f"Bearer {built.bearer}"}
            )
            if built.extra_paths is not None:
                with asgi.get_client(built.app) as client:
                    document = copy.deepcopy(schema.raw_schema)
                    document["paths"].update(built.extra_paths(client))
                schema = schemathesis.openapi.from_dict(document)
                schema.app = built.app
            operations = [result.ok() for result in schema.get_all_operations()]
            report.operations = len(operations)
            runner = _Runner(built, report, base_seed)
            with asgi.get_client(built.app) as client:
                runner.unsupported_methods(schema, client)
            takes_input = [op for op in operations if _has_input(op)]
            for op in operations:
                if op not in takes_input:
                    runner.run_operation(op, GenerationMode.POSITIVE, 1, 0)
            # Rounds with new seeds until the budget is spent (small input spaces end early).
            for n in range(1, 50):
                remaining = cases - report.cases
                if remaining <= 0:
                    break
                per_run = max(1, remaining // max(1, 2 * len(takes_input)))
                for op in takes_input:
                    for mode in GenerationMode:
                        runner.run_operation(op, mode, per_run, n)
        finally:
            asgi.shutdown_lifespans()
        report.reached = built.reached()
    return report


def _no_route(response: Any) -> bool:
    """Starlette's own 404: no route matched the path (so no route's key check ran)."""
    if response.status_code != 404:
        return False
    try:
        return bool(response.json()["error"]["message"] == "Not Found")
    except (ValueError, KeyError, TypeError):
        return False


def _negated_headers(case: Any) -> bool:
    components = case.meta.components if case.meta is not None else {}
    info = components.get(ParameterLocation.HEADER)
    return info is not None and info.mode == GenerationMode.NEGATIVE


def _has_input(operation: Any) -> bool:
    definition = operation.definition.raw
    return bool(definition.get("requestBody") or definition.get("parameters"))
