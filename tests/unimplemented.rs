//! RPCs whose implementation has not landed answer UNIMPLEMENTED and say what is missing; none
//! of them pretends to succeed.

mod common;

use common::TestServer;
use orchestrator::api::pb;
use tonic::{Code, Status};

fn assert_unimplemented<T: std::fmt::Debug>(result: Result<T, Status>, rpc: &str) {
    let status = result.expect_err("an unbuilt RPC must not succeed");
    assert_eq!(status.code(), Code::Unimplemented, "{rpc}: {status:?}");
    assert!(
        status.message().contains(rpc),
        "{rpc}: the message names the RPC: {:?}",
        status.message()
    );
    assert!(
        status.message().contains("this build has no"),
        "{rpc}: the message names what is missing: {:?}",
        status.message()
    );
}

#[tokio::test]
async fn every_orchestrator_rpc_is_unimplemented() {
    let server = TestServer::start().await;
    let mut client = server.orchestrator();
    let service = "orchestrator.v1.OrchestratorService";
    assert_unimplemented(
        client.orchestrate(pb::OrchestrateRequest::default()).await,
        &format!("{service}/Orchestrate"),
    );
    assert_unimplemented(
        client
            .submit_orchestration(pb::SubmitOrchestrationRequest::default())
            .await,
        &format!("{service}/SubmitOrchestration"),
    );
    assert_unimplemented(
        client
            .stream_status(pb::StreamStatusRequest::default())
            .await,
        &format!("{service}/StreamStatus"),
    );
    assert_unimplemented(
        client
            .get_orchestration(pb::GetOrchestrationRequest::default())
            .await,
        &format!("{service}/GetOrchestration"),
    );
    assert_unimplemented(
        client
            .list_orchestrations(pb::ListOrchestrationsRequest::default())
            .await,
        &format!("{service}/ListOrchestrations"),
    );
    assert_unimplemented(
        client
            .cancel_orchestration(pb::CancelOrchestrationRequest::default())
            .await,
        &format!("{service}/CancelOrchestration"),
    );
    assert_unimplemented(
        client
            .resolve_escalation(pb::ResolveEscalationRequest::default())
            .await,
        &format!("{service}/ResolveEscalation"),
    );
    assert_unimplemented(
        client.list_agents(pb::ListAgentsRequest::default()).await,
        &format!("{service}/ListAgents"),
    );
}

#[tokio::test]
async fn an_rpc_outside_the_contract_is_unimplemented() {
    let server = TestServer::start().await;
    // The agent contract is served by agents, not by the orchestrator.
    let mut client = pb::agent_service_client::AgentServiceClient::new(server.channel.clone());
    let status = client
        .invoke(pb::InvokeRequest::default())
        .await
        .expect_err("not served here");
    assert_eq!(status.code(), Code::Unimplemented);
}
