//! OpenTelemetry traces: spans from `tracing` exported over OTLP/gRPC when
//! `[telemetry.otlp] endpoint` is set, the W3C trace context read from callers and written to
//! agents.

use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator as _};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

use crate::config::OtlpSettings;
use crate::secrets::{redact_url, redact_urls_in};

/// Why the exporter could not be built; the endpoint and the reason with URL secrets hidden.
#[derive(Debug, thiserror::Error)]
#[error("cannot set up the OTLP exporter to {endpoint}: {reason}")]
pub struct ExporterError {
    endpoint: String,
    reason: String,
}

/// The tracer provider for `settings`, or none when export is off. Must run inside the tokio
/// runtime: the exporter's gRPC channel lives on it.
pub fn provider(settings: &OtlpSettings) -> Result<Option<SdkTracerProvider>, ExporterError> {
    let endpoint = settings.endpoint.trim();
    if endpoint.is_empty() {
        return Ok(None);
    }
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_tonic()
        .with_endpoint(endpoint)
        .build()
        .map_err(|source| ExporterError {
            endpoint: redact_url(endpoint),
            reason: redact_urls_in(&source.to_string()),
        })?;
    // A caller's sampling decision stands; new traces are sampled at the ratio.
    let sampler = Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(
        settings.sampling_ratio,
    )));
    let resource = opentelemetry_sdk::Resource::builder()
        .with_service_name("orchestrator")
        .build();
    Ok(Some(
        SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_sampler(sampler)
            .with_resource(resource)
            .build(),
    ))
}

/// The tracer spans are exported through.
pub fn tracer(provider: &SdkTracerProvider) -> opentelemetry_sdk::trace::Tracer {
    provider.tracer("orchestrator")
}

/// Makes `span` a child of the trace context in `headers` (`traceparent`, `tracestate`), if
/// there is a valid one.
pub fn continue_from(span: &tracing::Span, headers: &http::HeaderMap) {
    let parent = TraceContextPropagator::new().extract(&Headers(headers));
    // A span that is not recorded (filtered out, export off) has nothing to attach.
    let _ = span.set_parent(parent);
}

/// The trace id of the current span, when it is part of a trace.
pub fn current_trace_id() -> Option<String> {
    use opentelemetry::trace::TraceContextExt as _;
    let context = tracing::Span::current().context();
    let span = context.span();
    let span_context = span.span_context();
    span_context
        .is_valid()
        .then(|| span_context.trace_id().to_string())
}

/// Writes the current span's trace context into outgoing HTTP headers.
pub fn inject_http(headers: &mut http::HeaderMap) {
    let context = tracing::Span::current().context();
    TraceContextPropagator::new().inject_context(&context, &mut HeadersMut(headers));
}

struct Headers<'a>(&'a http::HeaderMap);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}

struct HeadersMut<'a>(&'a mut http::HeaderMap);

impl Injector for HeadersMut<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(key.as_bytes()),
            http::HeaderValue::from_str(&value),
        ) {
            self.0.insert(name, value);
        }
    }
}
