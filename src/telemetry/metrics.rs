//! Prometheus metrics: what the service counts, under names operators' dashboards and alerts
//! rely on, and their exposition (Prometheus text 0.0.4, or OpenMetrics when asked for).
//!
//! Labels are bounded: agents, states, verdicts, categories, methods and codes come from small
//! sets the server defines; orchestration and task ids are never labels, and tenants only when
//! `metrics.tenant_label` says so.

use std::time::Duration;

use prometheus_client::encoding::{prometheus_text, text as openmetrics_text};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::engine::stack::CallMeter;
use crate::model::task::TokenUsage;
use crate::model::{PiiCategory, RedactionCount, TenantId};

/// Label pairs; the keys are fixed by each metric, the values bounded (see the module's doc).
type Labels = Vec<(&'static str, String)>;
type Histograms = Family<Labels, Histogram, fn() -> Histogram>;

/// The content type of each exposition format.
pub const PROMETHEUS_TEXT: &str = prometheus_text::CONTENT_TYPE;
pub const OPENMETRICS_TEXT: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Durations of calls and runs: 1 ms to about 150 s.
fn slow_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.5, 14))
}

/// Durations of store commits and reviews: 0.1 ms to about 3 s.
fn fast_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.0001, 2.0, 16))
}

/// Events per committed batch: 1 to 2,048.
fn batch_buckets() -> Histogram {
    Histogram::new(exponential_buckets(1.0, 2.0, 12))
}

pub struct Metrics {
    registry: Registry,
    tenant_label: bool,
    orchestrations_started: Family<Labels, Counter>,
    orchestrations_completed: Family<Labels, Counter>,
    orchestrations_in_flight: Family<Labels, Gauge>,
    orchestration_duration: Histograms,
    task_attempts: Family<Labels, Counter>,
    task_duration: Histograms,
    task_retries: Family<Labels, Counter>,
    review_decisions: Family<Labels, Counter>,
    review_duration: Histogram,
    pii_redactions: Family<Labels, Counter>,
    event_log_commit: Histogram,
    event_log_batch: Histogram,
    store_errors: Family<Labels, Counter>,
    leases_taken_over: Counter,
    grpc_requests: Family<Labels, Counter>,
    grpc_duration: Histograms,
    agent_tokens: Family<Labels, Counter>,
}

impl Metrics {
    pub fn new(tenant_label: bool) -> Self {
        let mut metrics = Self {
            registry: Registry::default(),
            tenant_label,
            orchestrations_started: Family::default(),
            orchestrations_completed: Family::default(),
            orchestrations_in_flight: Family::default(),
            orchestration_duration: Family::new_with_constructor(slow_buckets),
            task_attempts: Family::default(),
            task_duration: Family::new_with_constructor(slow_buckets),
            task_retries: Family::default(),
            review_decisions: Family::default(),
            review_duration: fast_buckets(),
            pii_redactions: Family::default(),
            event_log_commit: fast_buckets(),
            event_log_batch: batch_buckets(),
            store_errors: Family::default(),
            leases_taken_over: Counter::default(),
            grpc_requests: Family::default(),
            grpc_duration: Family::new_with_constructor(slow_buckets),
            agent_tokens: Family::default(),
        };
        metrics.register();
        metrics
    }

    /// Names and help texts; a counter's `_total` suffix is added by the encoder.
    fn register(&mut self) {
        let registry = &mut self.registry;
        registry.register(
            "orchestrator_orchestrations_started",
            "Orchestrations that started running here (new, or resumed after a crash)",
            self.orchestrations_started.clone(),
        );
        registry.register(
            "orchestrator_orchestrations_completed",
            "Orchestrations that ended here, by end state",
            self.orchestrations_completed.clone(),
        );
        registry.register(
            "orchestrator_orchestrations_in_flight",
            "Orchestrations running here now, those awaiting a human included",
            self.orchestrations_in_flight.clone(),
        );
        registry.register(
            "orchestrator_orchestration_duration_seconds",
            "From an orchestration's creation to its end",
            self.orchestration_duration.clone(),
        );
        registry.register(
            "orchestrator_task_attempts",
            "Agent call attempts, by agent and outcome",
            self.task_attempts.clone(),
        );
        registry.register(
            "orchestrator_task_duration_seconds",
            "A task's whole agent call: every attempt, backoff and wait for the agent's limit",
            self.task_duration.clone(),
        );
        registry.register(
            "orchestrator_task_retries",
            "Attempts that followed a failed one, by agent",
            self.task_retries.clone(),
        );
        registry.register(
            "orchestrator_review_decisions",
            "Review decisions, by verdict",
            self.review_decisions.clone(),
        );
        registry.register(
            "orchestrator_review_duration_seconds",
            "One review, from start to decision (a judge agent's call included)",
            self.review_duration.clone(),
        );
        registry.register(
            "orchestrator_pii_redactions",
            "Values redacted by reviews, by category",
            self.pii_redactions.clone(),
        );
        registry.register(
            "orchestrator_event_log_commit_seconds",
            "One group commit of the event log",
            self.event_log_commit.clone(),
        );
        registry.register(
            "orchestrator_event_log_batch_events",
            "Events per group commit of the event log",
            self.event_log_batch.clone(),
        );
        registry.register(
            "orchestrator_store_errors",
            "Store calls that failed, by operation and kind",
            self.store_errors.clone(),
        );
        registry.register(
            "orchestrator_leases_taken_over",
            "Orchestrations resumed here after their lease expired (a crash or a hand-over)",
            self.leases_taken_over.clone(),
        );
        registry.register(
            "orchestrator_grpc_requests",
            "gRPC calls, by method and status code",
            self.grpc_requests.clone(),
        );
        registry.register(
            "orchestrator_grpc_request_duration_seconds",
            "gRPC calls from request to the end of the response (a stream's whole life)",
            self.grpc_duration.clone(),
        );
        registry.register(
            "orchestrator_agent_tokens",
            "Tokens LLM agents reported, by agent and kind (prompt, completion)",
            self.agent_tokens.clone(),
        );
        let build_info = Family::<Labels, Gauge>::default();
        build_info
            .get_or_create(&vec![("version", env!("CARGO_PKG_VERSION").to_owned())])
            .set(1);
        registry.register(
            "orchestrator_build_info",
            "The running build, as a label",
            build_info,
        );
    }

    /// The metrics as Prometheus text (0.0.4), or OpenMetrics text.
    pub fn render(&self, openmetrics: bool) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail; a metric that could not be encoded is left out.
        let _ = if openmetrics {
            openmetrics_text::encode(&mut text, &self.registry)
        } else {
            prometheus_text::encode(&mut text, &self.registry)
        };
        text
    }

    fn with_tenant(&self, mut labels: Labels, tenant: &TenantId) -> Labels {
        if self.tenant_label {
            labels.push(("tenant", tenant.to_string()));
        }
        labels
    }

    pub fn orchestration_started(&self, tenant: &TenantId) {
        self.orchestrations_started
            .get_or_create(&self.with_tenant(Vec::new(), tenant))
            .inc();
        self.orchestrations_in_flight
            .get_or_create(&self.with_tenant(Vec::new(), tenant))
            .inc();
    }

    /// The run here stopped: ended in `state` after `duration`, or handed over (no state).
    pub fn orchestration_stopped(
        &self,
        tenant: &TenantId,
        ended: Option<(&'static str, Duration)>,
    ) {
        self.orchestrations_in_flight
            .get_or_create(&self.with_tenant(Vec::new(), tenant))
            .dec();
        let Some((state, duration)) = ended else {
            return;
        };
        self.orchestrations_completed
            .get_or_create(&self.with_tenant(vec![("state", state.to_owned())], tenant))
            .inc();
        self.orchestration_duration
            .get_or_create(&self.with_tenant(Vec::new(), tenant))
            .observe(duration.as_secs_f64());
    }

    pub fn review_decided(
        &self,
        verdict: &'static str,
        took: Duration,
        redactions: &[RedactionCount],
    ) {
        self.review_decisions
            .get_or_create(&vec![("verdict", verdict.to_owned())])
            .inc();
        self.review_duration.observe(took.as_secs_f64());
        for redaction in redactions {
            // Policy rules and custom detectors are named by the tenant (`policy:<rule id>`,
            // `EMPLOYEE_ID`): one label value for each kind keeps the series bounded.
            let category = match PiiCategory::from_name(&redaction.category) {
                Some(builtin) => builtin.as_str(),
                None if redaction.category.starts_with("policy:") => "policy",
                None => "custom",
            };
            self.pii_redactions
                .get_or_create(&vec![("category", category.to_owned())])
                .inc_by(u64::from(redaction.count));
        }
    }

    pub fn event_log_committed(&self, took: Duration, events: usize) {
        self.event_log_commit.observe(took.as_secs_f64());
        self.event_log_batch.observe(events as f64);
    }

    pub fn store_failed(&self, op: &'static str, kind: &'static str) {
        self.store_errors
            .get_or_create(&vec![("op", op.to_owned()), ("kind", kind.to_owned())])
            .inc();
    }

    pub fn lease_taken_over(&self) {
        self.leases_taken_over.inc();
    }

    /// One gRPC call ended; `method` is bounded by the caller (`other` for unknown paths).
    pub fn grpc_request(&self, method: &str, code: &'static str, took: Duration) {
        self.grpc_requests
            .get_or_create(&vec![
                ("method", method.to_owned()),
                ("code", code.to_owned()),
            ])
            .inc();
        self.grpc_duration
            .get_or_create(&vec![("method", method.to_owned())])
            .observe(took.as_secs_f64());
    }
}

impl CallMeter for Metrics {
    fn attempt_ended(&self, agent: &str, outcome: &'static str, _elapsed: Duration) {
        self.task_attempts
            .get_or_create(&vec![
                ("agent", agent.to_owned()),
                ("outcome", outcome.to_owned()),
            ])
            .inc();
    }

    fn retried(&self, agent: &str) {
        self.task_retries
            .get_or_create(&vec![("agent", agent.to_owned())])
            .inc();
    }

    fn call_ended(&self, agent: &str, elapsed: Duration) {
        self.task_duration
            .get_or_create(&vec![("agent", agent.to_owned())])
            .observe(elapsed.as_secs_f64());
    }

    fn tokens(&self, agent: &str, usage: &TokenUsage) {
        for (kind, count) in [
            ("prompt", usage.prompt_tokens),
            ("completion", usage.completion_tokens),
        ] {
            self.agent_tokens
                .get_or_create(&vec![
                    ("agent", agent.to_owned()),
                    ("kind", kind.to_owned()),
                ])
                .inc_by(count);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant() -> TenantId {
        TenantId::new("acme").unwrap()
    }

    #[test]
    fn counters_render_with_their_names_and_bounded_labels() {
        let metrics = Metrics::new(false);
        metrics.orchestration_started(&tenant());
        metrics.orchestration_stopped(&tenant(), Some(("APPROVED", Duration::from_millis(30))));
        metrics.attempt_ended("mock", "succeeded", Duration::from_millis(2));
        let text = metrics.render(false);
        assert!(
            text.contains("orchestrator_orchestrations_started_total 1\n"),
            "{text}"
        );
        assert!(
            text.contains("orchestrator_orchestrations_completed_total{state=\"APPROVED\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("orchestrator_orchestrations_in_flight 0\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "orchestrator_task_attempts_total{agent=\"mock\",outcome=\"succeeded\"} 1"
            ),
            "{text}"
        );
        assert!(text.contains("orchestrator_build_info{version="), "{text}");
        assert!(!text.contains("tenant="), "{text}");
        assert!(!text.contains("# EOF"), "{text}");
        assert!(metrics.render(true).ends_with("# EOF\n"));
    }

    #[test]
    fn the_tenant_label_only_when_asked_for() {
        let metrics = Metrics::new(true);
        metrics.orchestration_started(&tenant());
        assert!(
            metrics
                .render(false)
                .contains("orchestrator_orchestrations_started_total{tenant=\"acme\"} 1")
        );
    }

    #[test]
    fn policy_and_custom_redactions_share_one_category_each() {
        let metrics = Metrics::new(false);
        let count = |category: &str, count| RedactionCount {
            category: category.into(),
            count,
        };
        let counts = [
            count("EMAIL", 2),
            count("policy:no-codenames", 1),
            count("EMPLOYEE_ID", 3),
            count("BADGE", 1),
        ];
        metrics.review_decided("approved", Duration::from_millis(1), &counts);
        let text = metrics.render(false);
        assert!(
            text.contains("orchestrator_pii_redactions_total{category=\"EMAIL\"} 2"),
            "{text}"
        );
        assert!(
            text.contains("orchestrator_pii_redactions_total{category=\"policy\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("orchestrator_pii_redactions_total{category=\"custom\"} 4"),
            "{text}"
        );
        assert!(
            !text.contains("no-codenames") && !text.contains("EMPLOYEE"),
            "{text}"
        );
    }
}
