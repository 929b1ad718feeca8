//! grpc.health.v1: the overall status ("") and one status per served service.

mod common;

use common::TestServer;
use tonic::Code;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;

async fn check(server: &TestServer, service: &str) -> Result<ServingStatus, tonic::Status> {
    let response = server
        .health()
        .check(HealthCheckRequest {
            service: service.to_owned(),
        })
        .await?;
    Ok(response.into_inner().status())
}

#[tokio::test]
async fn overall_and_every_service_are_serving() {
    let server = TestServer::start().await;
    for service in [
        "",
        "orchestrator.v1.OrchestratorService",
        "orchestrator.v1.ReviewCriteriaService",
    ] {
        assert_eq!(
            check(&server, service).await.unwrap(),
            ServingStatus::Serving,
            "service {service:?}"
        );
    }
}

#[tokio::test]
async fn unknown_service_is_not_found() {
    let server = TestServer::start().await;
    let status = check(&server, "orchestrator.v1.NoSuchService")
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    // The agent contract is implemented by external agents, not by this server.
    let status = check(&server, "orchestrator.v1.AgentService")
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
}

#[tokio::test]
async fn watch_reports_the_current_status_first() {
    let server = TestServer::start().await;
    let mut updates = server
        .health()
        .watch(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    let first = updates.message().await.unwrap().unwrap();
    assert_eq!(first.status(), ServingStatus::Serving);
}
