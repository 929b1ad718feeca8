//! Server reflection, v1 and v1alpha (grpcurl 1.8 speaks only v1alpha), through reflection
//! clients generated from the reflection protos.

mod common;

use common::TestServer;
use prost::Message as _;
use prost_types::FileDescriptorProto;
use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
use tonic_reflection::pb::v1::{ServerReflectionRequest, ServerReflectionResponse};
use tonic_reflection::pb::v1alpha;

const SERVED: &[&str] = &[
    "grpc.health.v1.Health",
    "grpc.reflection.v1.ServerReflection",
    "grpc.reflection.v1alpha.ServerReflection",
    "orchestrator.v1.OrchestratorService",
    "orchestrator.v1.ReviewCriteriaService",
];

async fn ask_v1(server: &TestServer, request: MessageRequest) -> MessageResponse {
    try_ask_v1(server, request)
        .await
        .expect("a reflection answer")
}

async fn try_ask_v1(
    server: &TestServer,
    request: MessageRequest,
) -> Result<MessageResponse, tonic::Status> {
    let mut client = ServerReflectionClient::new(server.channel.clone());
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(request),
    };
    let mut responses = client
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .unwrap()
        .into_inner();
    let ServerReflectionResponse {
        message_response, ..
    } = responses.message().await?.expect("one response");
    Ok(message_response.expect("a message response"))
}

fn file_descriptors(response: MessageResponse) -> Vec<FileDescriptorProto> {
    let MessageResponse::FileDescriptorResponse(files) = response else {
        panic!("expected file descriptors, got {response:?}");
    };
    files
        .file_descriptor_proto
        .iter()
        .map(|bytes| FileDescriptorProto::decode(bytes.as_slice()).unwrap())
        .collect()
}

#[tokio::test]
async fn v1_lists_exactly_the_served_services() {
    let server = TestServer::start().await;
    let MessageResponse::ListServicesResponse(list) =
        ask_v1(&server, MessageRequest::ListServices(String::new())).await
    else {
        panic!("expected a service list");
    };
    let mut names: Vec<_> = list.service.into_iter().map(|s| s.name).collect();
    names.sort();
    assert_eq!(names, SERVED);
}

#[tokio::test]
async fn v1alpha_lists_the_same_services() {
    let server = TestServer::start().await;
    let mut client =
        v1alpha::server_reflection_client::ServerReflectionClient::new(server.channel.clone());
    let request = v1alpha::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(
            v1alpha::server_reflection_request::MessageRequest::ListServices(String::new()),
        ),
    };
    let response = client
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .unwrap()
        .into_inner()
        .message()
        .await
        .unwrap()
        .unwrap();
    let Some(v1alpha::server_reflection_response::MessageResponse::ListServicesResponse(list)) =
        response.message_response
    else {
        panic!("expected a service list");
    };
    let mut names: Vec<_> = list.service.into_iter().map(|s| s.name).collect();
    names.sort();
    assert_eq!(names, SERVED);
}

#[tokio::test]
async fn describes_the_orchestrator_service_with_every_rpc() {
    let server = TestServer::start().await;
    let files = file_descriptors(
        ask_v1(
            &server,
            MessageRequest::FileContainingSymbol("orchestrator.v1.OrchestratorService".into()),
        )
        .await,
    );
    let service = files
        .iter()
        .flat_map(|file| &file.service)
        .find(|service| service.name() == "OrchestratorService")
        .expect("the service is described");
    let methods: Vec<_> = service.method.iter().map(|m| m.name()).collect();
    assert_eq!(
        methods,
        [
            "Orchestrate",
            "SubmitOrchestration",
            "StreamStatus",
            "GetOrchestration",
            "ListOrchestrations",
            "CancelOrchestration",
            "ResolveEscalation",
            "ListAgents",
            "GetCaller",
        ]
    );
    let orchestrate = &service.method[0];
    assert!(orchestrate.server_streaming());
    assert_eq!(
        orchestrate.input_type(),
        ".orchestrator.v1.OrchestrateRequest"
    );
}

#[tokio::test]
async fn describes_the_agent_contract_for_external_agents() {
    let server = TestServer::start().await;
    let files = file_descriptors(
        ask_v1(
            &server,
            MessageRequest::FileContainingSymbol("orchestrator.v1.InvokeRequest".into()),
        )
        .await,
    );
    let agent_file = files
        .iter()
        .find(|file| file.name() == "orchestrator/v1/agent.proto")
        .expect("agent.proto is served");
    assert_eq!(agent_file.service[0].name(), "AgentService");
    // Every dependency can be fetched by name, so that a client can resolve every type.
    for dependency in &agent_file.dependency {
        let files = file_descriptors(
            ask_v1(&server, MessageRequest::FileByFilename(dependency.clone())).await,
        );
        assert_eq!(files[0].name(), dependency);
    }
    assert!(
        agent_file
            .dependency
            .iter()
            .any(|d| d == "orchestrator/v1/task.proto")
    );
}

#[tokio::test]
async fn unknown_symbol_is_not_found() {
    let server = TestServer::start().await;
    let status = try_ask_v1(
        &server,
        MessageRequest::FileContainingSymbol("orchestrator.v1.Nope".into()),
    )
    .await
    .expect_err("no such symbol");
    assert_eq!(status.code(), tonic::Code::NotFound);
    assert!(
        status.message().contains("orchestrator.v1.Nope"),
        "{status:?}"
    );
}
