"""OpenTelemetry tracing.

A real SDK tracer provider is always installed so that every request gets trace and span ids
(logged, and propagated to peers as W3C ``traceparent``); spans are *exported* only when
``OTEL_EXPORTER_OTLP_ENDPOINT`` is set, so with no collector tracing costs no I/O.
"""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider


def setup_tracing(service: str, otlp_endpoint: str | None) -> TracerProvider:
    """Create the process's tracer provider (once) and return it.

    Args:
        service: the ``service.name`` resource attribute.
        otlp_endpoint: base URL of an OTLP/HTTP collector, or None for no export.
    """
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        # Already set up in this process (tests build several apps in one interpreter).
        return current
    provider = build_tracer_provider(service, otlp_endpoint)
    trace.set_tracer_provider(provider)
    return provider


def build_tracer_provider(service: str, otlp_endpoint: str | None) -> TracerProvider:
    """A provider that exports over OTLP/HTTP when ``otlp_endpoint`` is set, else only ids."""
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        endpoint = otlp_endpoint.rstrip("/") + "/v1/traces"
        exporter = OTLPSpanExporter(endpoint=endpoint, timeout=5)
        provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def inject_trace_headers(headers: dict[str, str]) -> dict[str, str]:
    """Add ``traceparent`` (and ``tracestate``) for the current span to ``headers``."""
    from opentelemetry.propagate import inject

    inject(headers)
    return headers
