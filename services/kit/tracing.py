"""OpenTelemetry tracing.

A real SDK tracer provider is always installed so that every request gets trace and span ids
(logged, and propagated to peers as W3C ``traceparent``); spans are *recorded and exported*
only when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set. With no collector, spans are sampled out:
they still carry ids (so logs and peers share one trace id) but hold no attributes, and the
instrumentations skip the work of filling them in, which would otherwise be a large part of
a request's cost. Set the endpoint on every service of a deployment, or on none.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from opentelemetry import trace
from opentelemetry.propagate import extract, inject
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, Sampler
from opentelemetry.trace import SpanKind


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
    provider = TracerProvider(
        resource=Resource.create({"service.name": service}), sampler=_sampler(otlp_endpoint)
    )
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        endpoint = otlp_endpoint.rstrip("/") + "/v1/traces"
        exporter = OTLPSpanExporter(endpoint=endpoint, timeout=5)
        provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def _sampler(otlp_endpoint: str | None) -> Sampler | None:
    if not otlp_endpoint:
        # Nothing would read a recorded span: keep the ids, skip the recording.
        return ALWAYS_OFF
    # None: the SDK's default, which honours OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG.
    return None


_TRACE_HEADERS = frozenset({b"traceparent", b"tracestate"})


def ids_only_server_span(
    tracer: trace.Tracer, scope: dict[str, Any]
) -> AbstractContextManager[trace.Span]:
    """A server span that only carries ids, continuing the caller's ``traceparent``.

    For services that export no spans: the ids are all that anyone will read (log lines, the
    next hop's ``traceparent``), and FastAPI's full server span costs several times as much
    per request to fill in attributes that go nowhere.
    """
    carrier = {
        name.decode(): value.decode("latin-1")
        for name, value in scope["headers"]
        if name in _TRACE_HEADERS
    }
    parent = extract(carrier) if carrier else None
    span = tracer.start_span(scope["method"], context=parent, kind=SpanKind.SERVER)
    return trace.use_span(span, end_on_exit=True)


def inject_trace_headers(headers: dict[str, str]) -> dict[str, str]:
    """Add ``traceparent`` (and ``tracestate``) for the current span to ``headers``."""
    inject(headers)
    return headers
