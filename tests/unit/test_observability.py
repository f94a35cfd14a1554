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
        recording = span.is_recording()
    version, trace_id, span_id, flags = headers["traceparent"].split("-")
    # No collector: the span has ids but records nothing, and says so to the next hop.
    assert version == "00" and not int(flags, 16) & 1 and not recording
    assert trace_id == format(ctx.trace_id, "032x") and span_id == format(ctx.span_id, "016x")
    assert trace.get_current_span().get_span_context().is_valid is False


def test_spans_are_exported_only_when_an_endpoint_is_set() -> None:
    """A real OTLP/HTTP exporter posting to a collector stand-in on loopback."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    from services.kit.tracing import build_tracer_provider

    received: list[ExportTraceServiceRequest] = []

    class Collector(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            message = ExportTraceServiceRequest()
            message.ParseFromString(body)
            received.append(message)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        endpoint = f"http://127.0.0.1:{server.server_port}"
        quiet = build_tracer_provider("svc-a", None)
        with quiet.get_tracer("t").start_as_current_span("not-exported"):
            pass
        assert quiet.force_flush() and received == []

        exporting = build_tracer_provider("svc-b", endpoint)
        with exporting.get_tracer("t").start_as_current_span("exported"):
            pass
        assert exporting.force_flush(timeout_millis=5000)
        exporting.shutdown()
    finally:
        server.shutdown()
    spans = [
        (rs.resource, span)
        for req in received
        for rs in req.resource_spans
        for ss in rs.scope_spans
        for span in ss.spans
    ]
    assert [s.name for _, s in spans] == ["exported"]
    resource_attrs = {a.key: a.value.string_value for a in spans[0][0].attributes}
    assert resource_attrs["service.name"] == "svc-b"


def test_a_service_continues_the_callers_trace_in_one_server_span(monkeypatch) -> None:
    """The app factory's tracing: the caller's traceparent becomes the server span's parent,
    and probes are not traced."""
    from fastapi import APIRouter
    from fastapi.testclient import TestClient
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from services.kit import app as app_module
    from services.kit.settings import StackSettings

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    router = APIRouter()

    @router.get("/work")
    async def work() -> dict[str, str]:
        return {"trace_id": format(trace.get_current_span().get_span_context().trace_id, "032x")}

    monkeypatch.setattr(app_module, "setup_tracing", lambda *_: provider)
    app = app_module.create_service_app("unit-svc", StackSettings(), routers=[router])
    caller_trace, caller_span = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    with TestClient(app) as client:
        traceparent = f"00-{caller_trace}-{caller_span}-01"
        answer = client.get("/work", headers={"traceparent": traceparent}).json()
        client.get("/health")
    assert answer["trace_id"] == caller_trace
    spans = exporter.get_finished_spans()
    assert len(spans) == 1, [s.name for s in spans]
    assert spans[0].kind == trace.SpanKind.SERVER
    assert format(spans[0].parent.span_id, "016x") == caller_span
