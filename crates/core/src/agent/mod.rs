//! The agent port: what a task calls to do its work. Every kind implements `Agent`; the engine
//! reaches it through a tower stack (trace, concurrency limit, retry, timeout) built per
//! `RegisteredAgent`. The kinds that talk to the network (http, openai, grpc) and the registry
//! built from settings are adapters in the service crate; `builtin` holds the two that need
//! nothing outside the process.

pub mod builtin;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::Semaphore;

use crate::model::FieldViolation;
pub use crate::model::task::TokenUsage;

/// One attempt of one task, as an agent sees it.
#[derive(Debug, Clone)]
pub struct AgentRequest {
    pub orchestration_id: Arc<str>,
    pub task_id: Arc<str>,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// 1 for the first run of the orchestration; up by one on every review RETRY.
    pub run: u32,
    /// The task input with its templates rendered.
    pub input: Arc<str>,
    pub params: Arc<serde_json::Map<String, serde_json::Value>>,
    /// Outputs of the task's declared dependencies, by task id.
    pub dependency_outputs: Arc<BTreeMap<String, String>>,
    /// After a review RETRY: what the review asked to change.
    pub review_feedback: Option<Arc<str>>,
    pub orchestration_input: Arc<str>,
    /// How long this attempt may take; set by the timeout layer, for agents that pass the
    /// deadline on (`grpc-timeout`).
    pub timeout: Option<Duration>,
}

impl AgentRequest {
    /// `<orchestration>/<task>/<attempt>`, with `/run<run>` after a review RETRY: the same key
    /// for the same attempt across crashes and resumptions, so an agent can deduplicate.
    pub fn idempotency_key(&self) -> String {
        if self.run > 1 {
            format!(
                "{}/{}/{}/run{}",
                self.orchestration_id, self.task_id, self.attempt, self.run
            )
        } else {
            format!(
                "{}/{}/{}",
                self.orchestration_id, self.task_id, self.attempt
            )
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct AgentResponse {
    pub output: String,
    pub confidence: Option<f64>,
    pub usage: Option<TokenUsage>,
}

impl AgentResponse {
    /// An answer from an external agent, whose confidence must be a probability.
    pub fn checked(
        output: String,
        confidence: Option<f64>,
        usage: Option<TokenUsage>,
    ) -> Result<Self, AgentError> {
        if let Some(confidence) = confidence
            && !(0.0..=1.0).contains(&confidence)
        {
            return Err(AgentError::Fatal(format!(
                "the agent reported confidence {confidence}, outside [0, 1]"
            )));
        }
        Ok(Self {
            output,
            confidence,
            usage,
        })
    }

    pub fn text(output: impl Into<String>) -> Self {
        Self {
            output: output.into(),
            confidence: None,
            usage: None,
        }
    }
}

/// Why an attempt failed. Only retryable errors are retried; a timed-out attempt is retryable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgentError {
    /// A transient fault: 5xx, 429, a dropped connection.
    #[error("{0}")]
    Retryable(String),
    /// Retrying cannot help: a 4xx, a malformed answer, invalid input.
    #[error("{0}")]
    Fatal(String),
    #[error("the attempt timed out after {}", humantime::format_duration(*.0))]
    TimedOut(Duration),
    #[error("cancelled")]
    Cancelled,
}

impl AgentError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, AgentError::Retryable(_) | AgentError::TimedOut(_))
    }
}

#[async_trait]
pub trait Agent: Send + Sync + 'static {
    /// `echo`, `mock`, `http`, `openai`, `grpc`.
    fn kind(&self) -> &'static str;

    /// Problems with a task's params, named relative to `params` (`delay_ms`), found before
    /// anything runs.
    fn check_params(
        &self,
        _params: &serde_json::Map<String, serde_json::Value>,
    ) -> Vec<FieldViolation> {
        Vec::new()
    }

    async fn invoke(&self, request: AgentRequest) -> Result<AgentResponse, AgentError>;
}

/// An `Agent` as a tower `Service`, the innermost layer of every agent stack.
#[derive(Clone)]
pub struct AgentService(pub Arc<dyn Agent>);

impl tower::Service<AgentRequest> for AgentService {
    type Response = AgentResponse;
    type Error = AgentError;
    type Future = futures_util::future::BoxFuture<'static, Result<AgentResponse, AgentError>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), AgentError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: AgentRequest) -> Self::Future {
        let agent = self.0.clone();
        Box::pin(async move { agent.invoke(request).await })
    }
}

/// One agent as the engine sees it.
#[derive(Clone)]
pub struct RegisteredAgent {
    pub name: Arc<str>,
    pub kind: &'static str,
    pub description: String,
    /// 0: unlimited.
    pub max_concurrency: u32,
    pub agent: Arc<dyn Agent>,
    /// Shared by every call to this agent, across orchestrations.
    pub limit: Option<Arc<Semaphore>>,
}

impl RegisteredAgent {
    pub fn new(
        name: &str,
        agent: Arc<dyn Agent>,
        description: String,
        max_concurrency: u32,
    ) -> Self {
        Self {
            name: name.into(),
            kind: agent.kind(),
            description,
            max_concurrency,
            agent,
            limit: (max_concurrency > 0)
                .then(|| Arc::new(Semaphore::new(max_concurrency as usize))),
        }
    }
}

impl std::fmt::Debug for RegisteredAgent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegisteredAgent")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("max_concurrency", &self.max_concurrency)
            .finish_non_exhaustive()
    }
}
