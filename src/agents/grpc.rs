//! `grpc` agents: an external agent implementing `orchestrator.v1.AgentService`, called once
//! per attempt with the attempt's deadline as `grpc-timeout`.

use async_trait::async_trait;
use tonic::Code;
use tonic::transport::Channel;

use super::{Agent, AgentError, AgentRequest, AgentResponse, TokenUsage};
use crate::api::convert::orchestration::json_to_struct;
use crate::api::pb;
use crate::api::pb::agent_service_client::AgentServiceClient;

pub struct GrpcAgent {
    client: AgentServiceClient<Channel>,
}

impl GrpcAgent {
    /// Connects lazily: an agent that is down at start-up fails its calls, not the server.
    pub fn new(channel: Channel) -> Self {
        Self {
            client: AgentServiceClient::new(channel),
        }
    }
}

/// The codes the contract calls transient.
pub fn classify(status: &tonic::Status) -> AgentError {
    let message = format!(
        "the agent answered {:?}: {}",
        status.code(),
        status.message()
    );
    match status.code() {
        Code::Unavailable
        | Code::ResourceExhausted
        | Code::Aborted
        | Code::DeadlineExceeded
        | Code::Internal => AgentError::Retryable(message),
        _ => AgentError::Fatal(message),
    }
}

#[async_trait]
impl Agent for GrpcAgent {
    fn kind(&self) -> &'static str {
        "grpc"
    }

    async fn invoke(&self, request: AgentRequest) -> Result<AgentResponse, AgentError> {
        let mut call = tonic::Request::new(pb::InvokeRequest {
            orchestration_id: request.orchestration_id.to_string(),
            task_id: request.task_id.to_string(),
            attempt: request.attempt,
            idempotency_key: request.idempotency_key(),
            input: request.input.to_string(),
            params: Some(json_to_struct(&request.params)),
            dependency_outputs: request
                .dependency_outputs
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            review_feedback: request
                .review_feedback
                .as_deref()
                .unwrap_or_default()
                .to_owned(),
            run: request.run,
            orchestration_input: request.orchestration_input.to_string(),
        });
        if let Some(timeout) = request.timeout {
            call.set_timeout(timeout);
        }
        for (name, value) in &super::http::trace_context() {
            if let (Ok(key), Ok(value)) = (
                tonic::metadata::AsciiMetadataKey::from_bytes(name.as_str().as_bytes()),
                tonic::metadata::AsciiMetadataValue::try_from(value.as_bytes()),
            ) {
                call.metadata_mut().insert(key, value);
            }
        }
        let answer = self
            .client
            .clone()
            .invoke(call)
            .await
            .map_err(|status| classify(&status))?
            .into_inner();
        let usage = answer.usage.map(|u| TokenUsage {
            prompt_tokens: u.prompt_tokens,
            completion_tokens: u.completion_tokens,
        });
        AgentResponse::checked(answer.output, answer.confidence, usage)
    }
}
