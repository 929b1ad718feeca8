//! The tower stack every agent call goes through, built explicitly, layer by layer:
//!
//! ```text
//! trace span → per-agent concurrency limit → retry (exponential backoff, full jitter)
//!            → attempt (log line, events) → per-attempt timeout → agent
//! ```
//!
//! Cancellation reaches every layer: a waiting permit, a backoff sleep and a running agent all
//! end at once when the call's token is cancelled.

use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::future::BoxFuture;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tower::util::BoxCloneSyncService;
use tower::{Layer, Service, ServiceBuilder, ServiceExt as _};
use tracing::Instrument as _;

use crate::agent::{AgentError, AgentRequest, AgentResponse, AgentService, RegisteredAgent};
use crate::model::plan::RetryPolicy;
use crate::model::task::TokenUsage;

/// Told about each attempt as it starts and fails, so that the engine can report progress.
pub trait AttemptObserver: Send + Sync {
    fn attempt_started(&self, attempt: u32);
    /// `retry_in` is set when another attempt follows after that backoff.
    fn attempt_failed(&self, attempt: u32, error: &AgentError, retry_in: Option<Duration>);
}

/// Told how agent calls go, for metrics: the engine knows no metrics library.
pub trait CallMeter: Send + Sync {
    /// One attempt ended: `outcome` is `succeeded`, `failed`, `timed_out` or `cancelled`.
    fn attempt_ended(&self, agent: &str, outcome: &'static str, elapsed: Duration);
    /// Another attempt follows a failed one.
    fn retried(&self, agent: &str);
    /// A task's whole call ended (every attempt and backoff).
    fn call_ended(&self, agent: &str, elapsed: Duration);
    /// An LLM agent reported what its attempt used.
    fn tokens(&self, agent: &str, usage: &TokenUsage);
}

/// Measures nothing.
pub struct NoMeter;

/// A meter that measures nothing, for stacks nobody watches.
pub fn no_meter() -> Arc<dyn CallMeter> {
    Arc::new(NoMeter)
}

/// The built-in agents' stacks, by name, unmetered: what the engine's own tests run on.
#[cfg(test)]
pub(crate) fn builtin_stacks() -> std::collections::HashMap<String, AgentStack> {
    crate::agent::builtin::registered()
        .iter()
        .map(|agent| (agent.name.to_string(), build(agent, &no_meter())))
        .collect()
}

impl CallMeter for NoMeter {
    fn attempt_ended(&self, _: &str, _: &'static str, _: Duration) {}
    fn retried(&self, _: &str) {}
    fn call_ended(&self, _: &str, _: Duration) {}
    fn tokens(&self, _: &str, _: &TokenUsage) {}
}

/// Text that leaves the service (events, results, logs) passes through this: redaction under
/// the review criteria.
pub type Scrub = Arc<dyn Fn(&str) -> String + Send + Sync>;

/// One task's call into an agent, with everything the layers need.
#[derive(Clone)]
pub struct AgentCall {
    pub request: AgentRequest,
    pub agent: Arc<str>,
    pub retry: RetryPolicy,
    /// Bounds each attempt.
    pub timeout: Duration,
    pub cancel: CancellationToken,
    pub observer: Arc<dyn AttemptObserver>,
    /// Redacts what the attempt log says of errors.
    pub scrub: Scrub,
}

/// A call that ended well, after this many attempts.
#[derive(Debug, Clone, PartialEq)]
pub struct CallSuccess {
    pub response: AgentResponse,
    pub attempts: u32,
}

/// A call that ended badly: the last attempt's error.
#[derive(Debug, Clone, PartialEq)]
pub struct CallFailure {
    pub error: AgentError,
    pub attempts: u32,
}

impl From<AgentError> for CallFailure {
    fn from(error: AgentError) -> Self {
        // A failure before any attempt ran (e.g. cancelled while waiting for a permit).
        Self { error, attempts: 0 }
    }
}

pub type AgentStack = BoxCloneSyncService<AgentCall, CallSuccess, CallFailure>;

/// The full stack for one agent, measured by `meter`.
pub fn build(agent: &RegisteredAgent, meter: &Arc<dyn CallMeter>) -> AgentStack {
    let inner = ServiceBuilder::new()
        .layer(RetryLayer)
        .layer(AttemptLayer {
            meter: meter.clone(),
        })
        .layer(TimeoutLayer)
        .service(AgentService(agent.agent.clone()));
    let limited = ServiceBuilder::new()
        .layer(TraceLayer {
            meter: meter.clone(),
        })
        .option_layer(
            agent
                .limit
                .clone()
                .map(|semaphore| LimitLayer { semaphore }),
        )
        .service(inner);
    BoxCloneSyncService::new(limited)
}

/// Calls `stack` once it is ready, giving up at once when the call is cancelled.
pub async fn call(stack: &AgentStack, call: AgentCall) -> Result<CallSuccess, CallFailure> {
    let cancel = call.cancel.clone();
    let mut stack = stack.clone();
    tokio::select! {
        biased;
        () = cancel.cancelled() => Err(AgentError::Cancelled.into()),
        result = async { stack.ready().await?.call(call).await } => result,
    }
}

// ---------- trace ----------

/// A span over the whole call, and its duration measured (the concurrency limit's wait
/// included: that is what the task waited).
#[derive(Clone)]
pub struct TraceLayer {
    meter: Arc<dyn CallMeter>,
}

impl<S> Layer<S> for TraceLayer {
    type Service = Trace<S>;
    fn layer(&self, inner: S) -> Trace<S> {
        Trace {
            inner,
            meter: self.meter.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Trace<S> {
    inner: S,
    meter: Arc<dyn CallMeter>,
}

impl<S> Service<AgentCall> for Trace<S>
where
    S: Service<AgentCall, Response = CallSuccess, Error = CallFailure>,
    S::Future: Send + 'static,
{
    type Response = CallSuccess;
    type Error = CallFailure;
    type Future = BoxFuture<'static, Result<CallSuccess, CallFailure>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), CallFailure>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, call: AgentCall) -> Self::Future {
        // At debug: at info the task_attempt span below carries the same fields, once per
        // attempt, and one span fewer per task is cheaper to trace.
        let span = tracing::debug_span!(
            "agent_call",
            orchestration_id = %call.request.orchestration_id,
            task_id = %call.request.task_id,
            agent = %call.agent,
            run = call.request.run,
        );
        let (meter, agent, started) = (self.meter.clone(), call.agent.clone(), Instant::now());
        let result = self.inner.call(call).instrument(span);
        Box::pin(async move {
            let result = result.await;
            meter.call_ended(&agent, started.elapsed());
            result
        })
    }
}

// ---------- concurrency limit ----------

/// At most N calls to one agent at once, across all orchestrations. The permit is taken when
/// the call starts and held until it ends, backoff sleeps included.
#[derive(Clone, Debug)]
pub struct LimitLayer {
    semaphore: Arc<tokio::sync::Semaphore>,
}

impl<S> Layer<S> for LimitLayer {
    type Service = Limit<S>;
    fn layer(&self, inner: S) -> Limit<S> {
        Limit {
            inner,
            semaphore: self.semaphore.clone(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Limit<S> {
    inner: S,
    semaphore: Arc<tokio::sync::Semaphore>,
}

impl<S> Service<AgentCall> for Limit<S>
where
    S: Service<AgentCall, Response = CallSuccess, Error = CallFailure> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = CallSuccess;
    type Error = CallFailure;
    type Future = BoxFuture<'static, Result<CallSuccess, CallFailure>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), CallFailure>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, call: AgentCall) -> Self::Future {
        // Waiting for the permit happens inside the call, where cancellation can reach it.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let semaphore = self.semaphore.clone();
        Box::pin(async move {
            let cancel = call.cancel.clone();
            let _permit = tokio::select! {
                biased;
                () = cancel.cancelled() => return Err(AgentError::Cancelled.into()),
                permit = semaphore.acquire_owned() => permit
                    .map_err(|_| CallFailure::from(AgentError::Fatal("the agent is shut down".into())))?,
            };
            inner.call(call).await
        })
    }
}

// ---------- retry ----------

#[derive(Clone, Copy, Debug)]
pub struct RetryLayer;

impl<S> Layer<S> for RetryLayer {
    type Service = Retry<S>;
    fn layer(&self, inner: S) -> Retry<S> {
        Retry { inner }
    }
}

#[derive(Clone, Debug)]
pub struct Retry<S> {
    inner: S,
}

/// Full jitter: a uniform random time in [0, ceiling).
fn jittered(ceiling: Duration, jitter: bool) -> Duration {
    if !jitter || ceiling.is_zero() {
        return ceiling;
    }
    ceiling.mul_f64(fastrand::f64())
}

impl<S> Service<AgentCall> for Retry<S>
where
    S: Service<AgentCall, Response = AgentResponse, Error = AgentError> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = CallSuccess;
    type Error = CallFailure;
    type Future = BoxFuture<'static, Result<CallSuccess, CallFailure>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), CallFailure>> {
        // Readiness is checked per attempt inside the call.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut call: AgentCall) -> Self::Future {
        let inner = self.inner.clone();
        Box::pin(async move {
            let mut attempt = 1;
            loop {
                call.request.attempt = attempt;
                let result = inner.clone().oneshot(call.clone()).await;
                let error = match result {
                    Ok(response) => {
                        return Ok(CallSuccess {
                            response,
                            attempts: attempt,
                        });
                    }
                    Err(error) => error,
                };
                let retry = error.is_retryable() && attempt <= call.retry.max_retries;
                if !retry || call.cancel.is_cancelled() {
                    call.observer.attempt_failed(attempt, &error, None);
                    return Err(CallFailure {
                        error,
                        attempts: attempt,
                    });
                }
                let backoff = jittered(call.retry.backoff(attempt), call.retry.jitter);
                call.observer.attempt_failed(attempt, &error, Some(backoff));
                tokio::select! {
                    biased;
                    () = call.cancel.cancelled() => {
                        return Err(CallFailure { error: AgentError::Cancelled, attempts: attempt });
                    }
                    () = tokio::time::sleep(backoff) => {}
                }
                attempt += 1;
            }
        })
    }
}

// ---------- attempt ----------

/// One structured log line per attempt, the observer told of its start, the meter of its end.
#[derive(Clone)]
pub struct AttemptLayer {
    meter: Arc<dyn CallMeter>,
}

impl<S> Layer<S> for AttemptLayer {
    type Service = Attempt<S>;
    fn layer(&self, inner: S) -> Attempt<S> {
        Attempt {
            inner,
            meter: self.meter.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Attempt<S> {
    inner: S,
    meter: Arc<dyn CallMeter>,
}

impl<S> Service<AgentCall> for Attempt<S>
where
    S: Service<AgentCall, Response = AgentResponse, Error = AgentError>,
    S::Future: Send + 'static,
{
    type Response = AgentResponse;
    type Error = AgentError;
    type Future = BoxFuture<'static, Result<AgentResponse, AgentError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), AgentError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, call: AgentCall) -> Self::Future {
        let started = Instant::now();
        let attempt = call.request.attempt;
        call.observer.attempt_started(attempt);
        if attempt > 1 {
            self.meter.retried(&call.agent);
        }
        let meter = self.meter.clone();
        let (orchestration_id, task_id, agent, scrub) = (
            call.request.orchestration_id.clone(),
            call.request.task_id.clone(),
            call.agent.clone(),
            call.scrub.clone(),
        );
        let span = tracing::info_span!(
            "task_attempt",
            %orchestration_id,
            %task_id,
            %agent,
            run = call.request.run,
            attempt,
            outcome = tracing::field::Empty,
        );
        let response = self.inner.call(call).instrument(span.clone());
        Box::pin(async move {
            let result = response.await;
            let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
            let state = match &result {
                Ok(_) => "succeeded",
                Err(AgentError::TimedOut(_)) => "timed_out",
                Err(AgentError::Cancelled) => "cancelled",
                Err(_) => "failed",
            };
            span.record("outcome", state);
            meter.attempt_ended(&agent, state, started.elapsed());
            if let Ok(AgentResponse {
                usage: Some(usage), ..
            }) = &result
            {
                meter.tokens(&agent, usage);
            }
            match &result {
                Ok(_) => tracing::info!(
                    %orchestration_id, %task_id, %agent, attempt, state, duration_ms, "task attempt"
                ),
                Err(error) => {
                    let error = scrub(&error.to_string());
                    tracing::warn!(
                        %orchestration_id, %task_id, %agent, attempt, state, duration_ms, %error, "task attempt"
                    )
                }
            }
            result
        })
    }
}

// ---------- timeout ----------

/// Bounds one attempt by the call's timeout, and ends it at once on cancellation.
#[derive(Clone, Copy, Debug)]
pub struct TimeoutLayer;

impl<S> Layer<S> for TimeoutLayer {
    type Service = Timeout<S>;
    fn layer(&self, inner: S) -> Timeout<S> {
        Timeout { inner }
    }
}

#[derive(Clone, Debug)]
pub struct Timeout<S> {
    inner: S,
}

impl<S> Service<AgentCall> for Timeout<S>
where
    S: Service<AgentRequest, Response = AgentResponse, Error = AgentError>,
    S::Future: Send + 'static,
{
    type Response = AgentResponse;
    type Error = AgentError;
    type Future = BoxFuture<'static, Result<AgentResponse, AgentError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), AgentError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, call: AgentCall) -> Self::Future {
        let timeout = call.timeout;
        let cancel = call.cancel;
        let mut request = call.request;
        request.timeout = Some(timeout);
        let response = self.inner.call(request);
        Box::pin(async move {
            tokio::select! {
                biased;
                () = cancel.cancelled() => Err(AgentError::Cancelled),
                result = tokio::time::timeout(timeout, response) => {
                    result.unwrap_or(Err(AgentError::TimedOut(timeout)))
                }
            }
        })
    }
}

#[cfg(test)]
mod tests;
