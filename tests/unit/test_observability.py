"""JSON logs carry trace ids; trace context crosses an HTTP hop."""

from __future__ import annotations

import io
import json
import logging

import pytest
from opentelemetry import trace

from services.kit.logging import configure_logging, get_logger
from services.kit.settings import LogFormat
from services.kit.tracing import inject_trace_headers, setup_tracing

pytestmark = pytest.mark.unit


@pytest.fixture
def json_logs():
    out = io.StringIO()
    configure_logging("unit-svc", "info", LogFormat.JSON, stream=out)
    yield lambda: [json.loads(line) for line in out.getvalue().splitlines() if line]
    logging.getLogger().handlers[:] = []


def test_log_lines_are_json_with_trace_and_span_ids(json_logs) -> None:
    provider = setup_tracing("unit-svc", None)
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("work") as span:
        get_logger("t").info("inside", quantity="3 bar")
        expected = format(span.get_span_context().trace_id, "032x")
    get_logger("t").info("outside")
    logging.getLogger("uvicorn.error").warning("stdlib too")
    inside, outside, stdlib = json_logs()
    assert inside["event"] == "inside" and inside["quantity"] == "3 bar"
    assert inside["trace_id"] == expected and len(inside["span_id"]) == 16
    assert inside["service"] == "unit-svc" and inside["level"] == "info" and "timestamp" in inside
    assert "trace_id" not in outside
    assert stdlib["event"] == "stdlib too" and stdlib["level"] == "warning"


def test_traceparent_is_injected_for_the_current_span() -> None:
    provider = setup_tracing("unit-svc", None)
    with provider.get_tracer("t").start_as_current_span("call") as span:
        headers = inject_trace_headers({})
        ctx = span.get_span_context()
    version, trace_id, span_id, flags = headers["traceparent"].split("-")
    assert version == "00" and int(flags, 16) & 1  # sampled
    assert trace_id == format(ctx.trace_id, "032x") and span_id == format(ctx.span_id, "016x")
    assert trace.get_current_span().get_span_context().is_valid is False
