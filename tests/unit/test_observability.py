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


CALLER_TRACE, CALLER_SPAN = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"


def _traced_app(monkeypatch, endpoint: str | None):
    """A service app whose tracer provider keeps finished spans in memory."""
    from fastapi import APIRouter
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

    from services.kit import app as app_module
    from services.kit.settings import StackSettings

    exporter = InMemorySpanExporter()
    # As services.kit.tracing builds it: nothing is sampled when nothing is exported.
    provider = TracerProvider(sampler=ALWAYS_OFF if endpoint is None else None)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    router = APIRouter()

    @router.get("/work")
    async def work() -> dict[str, str]:
        ctx = trace.get_current_span().get_span_context()
        return {"trace_id": format(ctx.trace_id, "032x"), "span_id": format(ctx.span_id, "016x")}

    monkeypatch.setattr(app_module, "setup_tracing", lambda *_: provider)
    settings = StackSettings(otel_exporter_otlp_endpoint=endpoint)
    return app_module.create_service_app("unit-svc", settings, routers=[router]), exporter


def _call(app) -> dict[str, str]:
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        traceparent = f"00-{CALLER_TRACE}-{CALLER_SPAN}-01"
        answer = client.get("/work", headers={"traceparent": traceparent}).json()
        assert client.get("/health").status_code == 200
    return answer


def test_an_exporting_service_continues_the_callers_trace_in_one_server_span(
    monkeypatch,
) -> None:
    """With a collector: FastAPI's server span, child of the caller's; probes untraced."""
    app, exporter = _traced_app(monkeypatch, "http://collector.invalid:4318")
    answer = _call(app)
    assert answer["trace_id"] == CALLER_TRACE
    spans = exporter.get_finished_spans()
    assert len(spans) == 1, [s.name for s in spans]
    assert spans[0].kind == trace.SpanKind.SERVER
    assert format(spans[0].parent.span_id, "016x") == CALLER_SPAN
    assert spans[0].attributes["http.request.method"] == "GET"


def test_a_quiet_service_still_continues_the_callers_trace(monkeypatch) -> None:
    """No collector: nothing is recorded, but the request runs in the caller's trace under
    a span of its own (what its log lines and its calls to peers carry)."""
    app, exporter = _traced_app(monkeypatch, None)
    answer = _call(app)
    assert answer["trace_id"] == CALLER_TRACE and answer["span_id"] != CALLER_SPAN
    assert exporter.get_finished_spans() == ()
