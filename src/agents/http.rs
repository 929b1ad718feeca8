//! `http` agents: one POST of JSON per attempt to a configured URL.
//!
//! Request body: `{orchestration_id, task_id, attempt, run, idempotency_key, input, params,
//! dependency_outputs, review_feedback, orchestration_input}`, with the key also in the
//! `Idempotency-Key` header. Response: `{"output": "...", "confidence": 0.9}` (confidence
//! optional). 5xx, 429 and connection errors are retryable; other 4xx and malformed answers
//! are fatal.

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::{Agent, AgentError, AgentRequest, AgentResponse};

/// Longest error body quoted in an error message.
const ERROR_BODY_CHARS: usize = 200;

pub struct HttpAgent {
    client: reqwest::Client,
    url: reqwest::Url,
    headers: reqwest::header::HeaderMap,
}

#[derive(Serialize)]
struct InvokeBody<'a> {
    orchestration_id: &'a str,
    task_id: &'a str,
    attempt: u32,
    run: u32,
    idempotency_key: &'a str,
    input: &'a str,
    params: &'a serde_json::Map<String, serde_json::Value>,
    dependency_outputs: &'a BTreeMap<String, String>,
    review_feedback: Option<&'a str>,
    orchestration_input: &'a str,
}

#[derive(Deserialize)]
struct InvokeAnswer {
    output: String,
    #[serde(default)]
    confidence: Option<f64>,
}

impl HttpAgent {
    pub fn new(
        client: reqwest::Client,
        url: reqwest::Url,
        headers: reqwest::header::HeaderMap,
    ) -> Self {
        Self {
            client,
            url,
            headers,
        }
    }
}

/// Sorts an HTTP failure into retryable or fatal.
pub fn classify_status(status: reqwest::StatusCode, body: &str) -> AgentError {
    let quoted: String = body.chars().take(ERROR_BODY_CHARS).collect();
    let message = format!("the agent answered HTTP {status}: {}", quoted.trim());
    if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
        AgentError::Retryable(message)
    } else {
        AgentError::Fatal(message)
    }
}

/// Connection problems and timeouts may pass; anything else about the request will not. The
/// message has the causes but not the URL: its query may hold a key, and callers need not know
/// where the operator's agents live.
pub fn classify_transport(error: reqwest::Error) -> AgentError {
    let retryable = error.is_connect() || error.is_timeout() || error.is_request();
    let cause =
        crate::secrets::redact_urls_in(&crate::telemetry::error_chain(&error.without_url()));
    if retryable {
        AgentError::Retryable(format!("cannot reach the agent: {cause}"))
    } else {
        AgentError::Fatal(format!("the call to the agent failed: {cause}"))
    }
}

#[async_trait]
impl Agent for HttpAgent {
    fn kind(&self) -> &'static str {
        "http"
    }

    async fn invoke(&self, request: AgentRequest) -> Result<AgentResponse, AgentError> {
        let key = request.idempotency_key();
        let body = InvokeBody {
            orchestration_id: &request.orchestration_id,
            task_id: &request.task_id,
            attempt: request.attempt,
            run: request.run,
            idempotency_key: &key,
            input: &request.input,
            params: &request.params,
            dependency_outputs: &request.dependency_outputs,
            review_feedback: request.review_feedback.as_deref(),
            orchestration_input: &request.orchestration_input,
        };
        let response = self
            .client
            .post(self.url.clone())
            .headers(self.headers.clone())
            .headers(trace_context())
            .header("Idempotency-Key", &key)
            .json(&body)
            .send()
            .await
            .map_err(classify_transport)?;
        let status = response.status();
        let text = response.text().await.map_err(classify_transport)?;
        if !status.is_success() {
            return Err(classify_status(status, &text));
        }
        let answer: InvokeAnswer = serde_json::from_str(&text).map_err(|e| {
            AgentError::Fatal(format!(
                "the agent's answer is not {{\"output\": ..., \"confidence\": ...}}: {e}"
            ))
        })?;
        AgentResponse::checked(answer.output, answer.confidence, None)
    }
}

/// The attempt's trace context (`traceparent`, `tracestate`), for the agent to continue.
pub(crate) fn trace_context() -> reqwest::header::HeaderMap {
    let mut headers = reqwest::header::HeaderMap::new();
    crate::telemetry::trace::inject_http(&mut headers);
    headers
}
