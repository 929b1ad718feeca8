//! Logs, metrics (in `metrics`) and traces (in `trace`).
//!
//! Logging goes through `tracing`: human-readable lines by default, JSON lines for log
//! collectors.
//!
//! Every line is scrubbed of sensitive data before it is written, whatever a tenant's criteria
//! say: logs belong to the operator, not to the tenant whose data passed through. IP addresses
//! are kept (the operator needs peers and listeners); URLs lose their credentials and query
//! values.

pub mod metrics;
pub mod trace;

use std::io::{IsTerminal as _, Write};

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

use crate::config::{LogFormat, LogSettings};
use crate::model::{PiiCategory, RedactionStyle};
use crate::review::pii::{Pseudonyms, Scanner, redact};

#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    #[error("invalid log filter {filter:?}: {source}")]
    InvalidFilter {
        filter: String,
        source: tracing_subscriber::filter::ParseError,
    },
    #[error("a global tracing subscriber is already installed")]
    AlreadyInstalled,
}

/// Installs the process-wide subscriber. Logs go to stderr so that stdout stays free for the
/// CLI's own output; with a `tracer`, spans are exported too.
pub fn init(
    settings: &LogSettings,
    tracer: Option<opentelemetry_sdk::trace::Tracer>,
) -> Result<(), TelemetryError> {
    let filter =
        EnvFilter::try_new(&settings.filter).map_err(|source| TelemetryError::InvalidFilter {
            filter: settings.filter.clone(),
            source,
        })?;
    let registry = tracing_subscriber::registry()
        .with(filter)
        .with(tracer.map(span_layer));
    let writer = ScrubbedStderr::new();
    let installed = match settings.format {
        LogFormat::Text => registry
            .with(
                tracing_subscriber::fmt::layer()
                    // Colour codes only for a person at a terminal, never in a file, a pipe or
                    // `kubectl logs`.
                    .with_ansi(std::io::stderr().is_terminal())
                    .with_writer(writer),
            )
            .try_init(),
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .event_format(WithTraceId(
                        tracing_subscriber::fmt::format()
                            .json()
                            .flatten_event(true)
                            .with_current_span(true)
                            .with_span_list(false),
                    ))
                    .fmt_fields(tracing_subscriber::fmt::format::JsonFields::new())
                    .with_writer(writer),
            )
            .try_init(),
    };
    installed.map_err(|_| TelemetryError::AlreadyInstalled)
}

/// The layer that turns `tracing` spans into exported ones, at a cost kept small (at sampling
/// 1.0 it runs for every call, orchestration and attempt):
/// - spans, and warnings and errors as their events; an info line says nothing a span's own
///   fields (`outcome`, `state`, `verdict`) and times do not;
/// - no busy and idle timing (two clock reads per poll of an instrumented future), no context
///   made current on every poll (nothing here reads it: agent calls inject from the span);
/// - no thread or source-file attributes, which say little of async work and cost export bytes.
fn span_layer<S>(tracer: opentelemetry_sdk::trace::Tracer) -> impl tracing_subscriber::Layer<S>
where
    S: tracing::Subscriber + for<'span> tracing_subscriber::registry::LookupSpan<'span>,
{
    use tracing_subscriber::Layer as _;
    tracing_opentelemetry::layer()
        .with_tracer(tracer)
        .with_tracked_inactivity(false)
        .with_context_activation(false)
        .with_threads(false)
        .with_location(false)
        .with_filter(tracing_subscriber::filter::filter_fn(|metadata| {
            metadata.is_span() || *metadata.level() <= tracing::Level::WARN
        }))
}

/// A JSON line with the trace id of the span it was logged in, first, so that a log line leads
/// to its trace.
struct WithTraceId<F>(F);

impl<S, N, F> tracing_subscriber::fmt::FormatEvent<S, N> for WithTraceId<F>
where
    F: tracing_subscriber::fmt::FormatEvent<S, N>,
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    N: for<'a> tracing_subscriber::fmt::FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &tracing_subscriber::fmt::FmtContext<'_, S, N>,
        mut writer: tracing_subscriber::fmt::format::Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        let Some(trace_id) = trace::current_trace_id() else {
            return self.0.format_event(ctx, writer, event);
        };
        let mut line = String::new();
        self.0.format_event(
            ctx,
            tracing_subscriber::fmt::format::Writer::new(&mut line),
            event,
        )?;
        match line.strip_prefix('{') {
            Some(rest) => write!(writer, "{{\"trace_id\":\"{trace_id}\",{rest}"),
            None => writer.write_str(&line),
        }
    }
}

/// An error and its causes, `outer: inner: innermost`, for people: most libraries put the
/// reason in a cause and only a summary in the error itself.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// What log lines are scrubbed of: every category but IP addresses.
fn log_scanner() -> Scanner {
    let scrubbed: Vec<PiiCategory> = PiiCategory::ALL
        .into_iter()
        .filter(|category| *category != PiiCategory::IpAddress)
        .collect();
    Scanner::new(&scrubbed)
}

/// Scrubs one log line: sensitive values become labels (`[EMAIL]`), URLs lose their userinfo
/// and query values.
pub fn scrub_line(line: &str, scanner: &Scanner) -> String {
    let findings = scanner.scan(line);
    let labelled = if findings.is_empty() {
        line.to_owned()
    } else {
        // Labels take no key: the pseudonyms are never used here.
        redact(
            line,
            &findings,
            RedactionStyle::Label,
            &Pseudonyms::new(b"", ""),
        )
    };
    if labelled.contains("://") {
        crate::secrets::redact_urls_in(&labelled)
    } else {
        labelled
    }
}

/// Stderr behind the scrubber. The fmt layer formats a whole event and writes it at once, so
/// each `write` is one line.
#[derive(Clone)]
struct ScrubbedStderr {
    scanner: Scanner,
}

impl ScrubbedStderr {
    fn new() -> Self {
        Self {
            scanner: log_scanner(),
        }
    }
}

impl<'a> MakeWriter<'a> for ScrubbedStderr {
    type Writer = ScrubbingWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        ScrubbingWriter {
            scanner: &self.scanner,
        }
    }
}

struct ScrubbingWriter<'a> {
    scanner: &'a Scanner,
}

impl Write for ScrubbingWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let line = String::from_utf8_lossy(buf);
        let scrubbed = scrub_line(&line, self.scanner);
        std::io::stderr().lock().write_all(scrubbed.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_lose_personal_data_and_url_secrets_but_keep_addresses() {
        let scanner = log_scanner();
        let line = "WARN task attempt error=\"cannot reach http://u:p@10.0.0.7:9000/x?api_key=abc for ana@example.com, +1 415-555-0132\" remote=10.1.2.3:5000";
        let scrubbed = scrub_line(line, &scanner);
        assert_eq!(
            scrubbed,
            "WARN task attempt error=\"cannot reach http://***@10.0.0.7:9000/x?api_key=*** for [EMAIL], [PHONE]\" remote=10.1.2.3:5000"
        );
        let plain = "INFO serving gRPC address=127.0.0.1:50051 2026-12-02T05:15:01Z";
        assert_eq!(scrub_line(plain, &scanner), plain);
    }
}
