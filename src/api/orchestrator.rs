//! `orchestrator.v1.OrchestratorService`.
//!
//! The engine behind it is not built yet: every RPC answers UNIMPLEMENTED and names what is
//! missing, so that no caller ever mistakes this build for one that runs orchestrations.

use std::pin::Pin;

use tokio_stream::Stream;
use tonic::{Request, Response, Status};

use super::ApiError;
use super::pb;
use super::pb::orchestrator_service_server::OrchestratorService;

const MISSING_ENGINE: &str =
    "this build has no orchestration engine (DAG scheduler, agents, event log)";

type EventStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

fn unimplemented(method: &'static str) -> Status {
    ApiError::Unimplemented {
        rpc: method,
        missing: MISSING_ENGINE,
    }
    .into()
}

#[derive(Debug, Default)]
pub struct OrchestratorApi;

#[tonic::async_trait]
impl OrchestratorService for OrchestratorApi {
    type OrchestrateStream = EventStream<pb::OrchestrateResponse>;
    type StreamStatusStream = EventStream<pb::StreamStatusResponse>;

    async fn orchestrate(
        &self,
        _request: Request<pb::OrchestrateRequest>,
    ) -> Result<Response<Self::OrchestrateStream>, Status> {
        Err(unimplemented(
            "orchestrator.v1.OrchestratorService/Orchestrate",
        ))
    }

    async fn submit_orchestration(
        &self,
        _request: Request<pb::SubmitOrchestrationRequest>,
    ) -> Result<Response<pb::SubmitOrchestrationResponse>, Status> {
        Err(unimplemented(
            "orchestrator.v1.OrchestratorService/SubmitOrchestration",
        ))
    }

    async fn stream_status(
        &self,
        _request: Request<pb::StreamStatusRequest>,
    ) -> Result<Response<Self::StreamStatusStream>, Status> {
        Err(unimplemented(
            "orchestrator.v1.OrchestratorService/StreamStatus",
        ))
    }

    async fn get_orchestration(
        &self,
        _request: Request<pb::GetOrchestrationRequest>,
    ) -> Result<Response<pb::GetOrchestrationResponse>, Status> {
        Err(unimplemented(
            "orchestrator.v1.OrchestratorService/GetOrchestration",
        ))
    }

    async fn list_orchestrations(
        &self,
        _request: Request<pb::ListOrchestrationsRequest>,
    ) -> Result<Response<pb::ListOrchestrationsResponse>, Status> {
        Err(unimplemented(
            "orchestrator.v1.OrchestratorService/ListOrchestrations",
        ))
    }

    async fn cancel_orchestration(
        &self,
        _request: Request<pb::CancelOrchestrationRequest>,
    ) -> Result<Response<pb::CancelOrchestrationResponse>, Status> {
        Err(unimplemented(
            "orchestrator.v1.OrchestratorService/CancelOrchestration",
        ))
    }

    async fn resolve_escalation(
        &self,
        _request: Request<pb::ResolveEscalationRequest>,
    ) -> Result<Response<pb::ResolveEscalationResponse>, Status> {
        Err(unimplemented(
            "orchestrator.v1.OrchestratorService/ResolveEscalation",
        ))
    }

    async fn list_agents(
        &self,
        _request: Request<pb::ListAgentsRequest>,
    ) -> Result<Response<pb::ListAgentsResponse>, Status> {
        Err(unimplemented(
            "orchestrator.v1.OrchestratorService/ListAgents",
        ))
    }
}
