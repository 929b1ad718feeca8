//! The built-in agents, present with no configuration at all: `echo` and `mock`.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;

use super::{Agent, AgentError, AgentRequest, AgentResponse, RegisteredAgent};
use crate::model::FieldViolation;

/// The built-in kinds and what they do, for agent listings.
pub const DESCRIPTIONS: [(&str, &str); 2] = [
    ("echo", "Returns the task's rendered input."),
    (
        "mock",
        "Deterministic test agent: params delay_ms, fail_attempts, error, output, confidence.",
    ),
];

/// `echo` and `mock` under their own names, without a concurrency limit: the agents an engine
/// has when nothing is configured.
pub fn registered() -> [RegisteredAgent; 2] {
    let [(echo, echo_text), (mock, mock_text)] = DESCRIPTIONS;
    [
        RegisteredAgent::new(echo, Arc::new(EchoAgent), echo_text.into(), 0),
        RegisteredAgent::new(mock, Arc::new(MockAgent), mock_text.into(), 0),
    ]
}

/// Returns the rendered task input.
#[derive(Debug, Default)]
pub struct EchoAgent;

#[async_trait]
impl Agent for EchoAgent {
    fn kind(&self) -> &'static str {
        "echo"
    }

    async fn invoke(&self, request: AgentRequest) -> Result<AgentResponse, AgentError> {
        Ok(AgentResponse::text(request.input.as_ref()))
    }
}

/// Deterministic behaviour for tests, demos and benchmarks, from task params:
/// `delay_ms` (sleep per attempt), `fail_attempts` (the first N attempts fail), `error` (the
/// kind of those failures: "retryable", the default, or "fatal"), `output` (default: the
/// rendered input), `confidence`.
#[derive(Debug, Default)]
pub struct MockAgent;

/// Longest `delay_ms` accepted: a mock is not meant to outlive any sane timeout.
const MAX_DELAY_MS: u64 = 3_600_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MockError {
    Retryable,
    Fatal,
}

#[derive(Debug, Clone, PartialEq)]
struct MockParams {
    delay: Duration,
    fail_attempts: u32,
    error: MockError,
    output: Option<String>,
    confidence: Option<f64>,
}

fn parse(params: &serde_json::Map<String, Value>) -> Result<MockParams, Vec<FieldViolation>> {
    let mut violations = Vec::new();
    let mut parsed = MockParams {
        delay: Duration::ZERO,
        fail_attempts: 0,
        error: MockError::Retryable,
        output: None,
        confidence: None,
    };
    for (key, value) in params {
        match key.as_str() {
            "delay_ms" => match value.as_u64() {
                Some(ms) if ms <= MAX_DELAY_MS => parsed.delay = Duration::from_millis(ms),
                _ => violations.push(FieldViolation::new(
                    key,
                    format!("must be a whole number of milliseconds up to {MAX_DELAY_MS}"),
                )),
            },
            "fail_attempts" => match value.as_u64().and_then(|n| u32::try_from(n).ok()) {
                Some(n) => parsed.fail_attempts = n,
                None => violations.push(FieldViolation::new(
                    key,
                    "must be a non-negative whole number",
                )),
            },
            "error" => match value.as_str() {
                Some("retryable") => parsed.error = MockError::Retryable,
                Some("fatal") => parsed.error = MockError::Fatal,
                _ => violations.push(FieldViolation::new(
                    key,
                    "must be \"retryable\" or \"fatal\"",
                )),
            },
            "output" => match value.as_str() {
                Some(text) => parsed.output = Some(text.to_owned()),
                None => violations.push(FieldViolation::new(key, "must be a string")),
            },
            "confidence" => match value.as_f64() {
                Some(c) if (0.0..=1.0).contains(&c) => parsed.confidence = Some(c),
                _ => violations.push(FieldViolation::new(key, "must be a number between 0 and 1")),
            },
            other => violations.push(FieldViolation::new(
                other,
                "unknown mock parameter; use delay_ms, fail_attempts, error, output or confidence",
            )),
        }
    }
    if violations.is_empty() {
        Ok(parsed)
    } else {
        Err(violations)
    }
}

#[async_trait]
impl Agent for MockAgent {
    fn kind(&self) -> &'static str {
        "mock"
    }

    fn check_params(&self, params: &serde_json::Map<String, Value>) -> Vec<FieldViolation> {
        parse(params).err().unwrap_or_default()
    }

    async fn invoke(&self, request: AgentRequest) -> Result<AgentResponse, AgentError> {
        let params = parse(&request.params).map_err(|violations| {
            AgentError::Fatal(format!(
                "invalid mock params: {}",
                violations
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            ))
        })?;
        if !params.delay.is_zero() {
            tokio::time::sleep(params.delay).await;
        }
        if request.attempt <= params.fail_attempts {
            let message = format!(
                "mock failure on attempt {} of the first {}",
                request.attempt, params.fail_attempts
            );
            return Err(match params.error {
                MockError::Retryable => AgentError::Retryable(message),
                MockError::Fatal => AgentError::Fatal(message),
            });
        }
        Ok(AgentResponse {
            output: params.output.unwrap_or_else(|| request.input.to_string()),
            confidence: params.confidence,
            usage: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn request(attempt: u32, params: Value) -> AgentRequest {
        AgentRequest {
            orchestration_id: "o".into(),
            task_id: "t".into(),
            attempt,
            run: 1,
            input: "rendered input".into(),
            params: Arc::new(params.as_object().cloned().unwrap_or_default()),
            dependency_outputs: Arc::new(BTreeMap::new()),
            review_feedback: None,
            orchestration_input: "".into(),
            timeout: None,
        }
    }

    #[tokio::test]
    async fn echo_returns_the_input() {
        let response = EchoAgent.invoke(request(1, Value::Null)).await.unwrap();
        assert_eq!(response.output, "rendered input");
    }

    #[tokio::test]
    async fn mock_fails_the_first_attempts_then_answers() {
        let params = serde_json::json!({"fail_attempts": 2, "output": "done", "confidence": 0.75});
        let first = MockAgent
            .invoke(request(1, params.clone()))
            .await
            .unwrap_err();
        assert!(first.is_retryable());
        assert!(MockAgent.invoke(request(2, params.clone())).await.is_err());
        let third = MockAgent.invoke(request(3, params)).await.unwrap();
        assert_eq!(third.output, "done");
        assert_eq!(third.confidence, Some(0.75));
    }

    #[tokio::test]
    async fn mock_fatal_errors_are_fatal() {
        let params = serde_json::json!({"fail_attempts": 1, "error": "fatal"});
        let error = MockAgent.invoke(request(1, params)).await.unwrap_err();
        assert!(matches!(error, AgentError::Fatal(_)));
    }

    #[tokio::test(start_paused = true)]
    async fn mock_sleeps_per_attempt() {
        let started = tokio::time::Instant::now();
        MockAgent
            .invoke(request(1, serde_json::json!({"delay_ms": 250})))
            .await
            .unwrap();
        assert_eq!(started.elapsed(), Duration::from_millis(250));
    }

    #[test]
    fn bad_params_are_named() {
        let violations = MockAgent.check_params(
            serde_json::json!({"delay_ms": -1, "error": "sometimes", "confidence": 2, "colour": "red"})
                .as_object()
                .unwrap(),
        );
        let fields: Vec<&str> = violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["colour", "confidence", "delay_ms", "error"]);
    }

    #[test]
    fn idempotency_keys_name_the_attempt_and_later_runs() {
        let mut req = request(2, Value::Null);
        assert_eq!(req.idempotency_key(), "o/t/2");
        req.run = 3;
        assert_eq!(req.idempotency_key(), "o/t/2/run3");
    }
}
