//! The `grpc` agent kind against a real AgentService server on 127.0.0.1.

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::TestServer;
use common::plans::{completed, exact_retries, spec, task};
use orchestrator::api::pb;
use orchestrator::api::pb::agent_service_server::{AgentService, AgentServiceServer};
use orchestrator::config::{AgentSettings, Settings};
use serde_json::json;
use tonic::{Request, Response, Status};

/// Each call, with the `grpc-timeout` it carried.
type Seen = Arc<Mutex<Vec<(pb::InvokeRequest, Option<String>)>>>;

#[derive(Clone, Default)]
struct ScriptedAgent {
    seen: Seen,
}

#[tonic::async_trait]
impl AgentService for ScriptedAgent {
    async fn invoke(
        &self,
        request: Request<pb::InvokeRequest>,
    ) -> Result<Response<pb::InvokeResponse>, Status> {
        let timeout = request
            .metadata()
            .get("grpc-timeout")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let request = request.into_inner();
        let attempt = request.attempt;
        let task = request.task_id.clone();
        self.seen.lock().unwrap().push((request, timeout));
        match (task.as_str(), attempt) {
            ("flaky", 1) => Err(Status::unavailable("warming up")),
            ("refuses", _) => Err(Status::invalid_argument("cannot answer that")),
            _ => Ok(Response::new(pb::InvokeResponse {
                output: format!("answer to {task}"),
                confidence: Some(0.7),
                usage: Some(pb::TokenUsage {
                    prompt_tokens: 12,
                    completion_tokens: 34,
                }),
            })),
        }
    }
}

async fn start_agent() -> (SocketAddr, ScriptedAgent) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let agent = ScriptedAgent::default();
    let service = AgentServiceServer::new(agent.clone());
    tokio::spawn(async move {
        tonic::transport::Server::builder()
            .add_service(service)
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener))
            .await
    });
    (addr, agent)
}

fn with_grpc_agent(addr: SocketAddr) -> Settings {
    let mut settings = Settings::default();
    settings.agents.insert(
        "remote".into(),
        AgentSettings::Grpc {
            enabled: true,
            description: String::new(),
            max_concurrency: 0,
            endpoint: format!("http://{addr}"),
            tls: None,
        },
    );
    settings
}

#[tokio::test]
async fn invoke_carries_the_task_and_its_deadline_and_retries_unavailable() {
    let (addr, agent) = start_agent().await;
    let server = TestServer::start_with(with_grpc_agent(addr)).await;
    let mut flaky = task("flaky", "remote", &[], json!({"style": "terse"}));
    flaky.input = "Q: {{input}}".into();
    flaky.timeout = Some(common::plans::duration(Duration::from_secs(7)));
    flaky.retry_policy = Some(exact_retries(2, 10));
    let mut refuses = task("refuses", "remote", &[], json!({}));
    refuses.retry_policy = Some(exact_retries(2, 10));
    let events = server.orchestrate(spec(vec![flaky, refuses])).await;
    let result = completed(&events);

    let flaky_result = &result.tasks[0];
    assert_eq!(flaky_result.state(), pb::TaskState::Succeeded);
    assert_eq!(flaky_result.attempts, 2);
    assert_eq!(flaky_result.output, "answer to flaky");
    assert_eq!(flaky_result.confidence, Some(0.7));
    assert_eq!(
        flaky_result.usage,
        Some(pb::TokenUsage {
            prompt_tokens: 12,
            completion_tokens: 34
        })
    );

    let refused = &result.tasks[1];
    assert_eq!(refused.state(), pb::TaskState::Failed);
    assert_eq!(refused.attempts, 1, "INVALID_ARGUMENT is fatal");
    assert!(
        refused.error.contains("InvalidArgument"),
        "{}",
        refused.error
    );

    let seen = agent.seen.lock().unwrap();
    let (first, timeout) = seen
        .iter()
        .find(|(r, _)| r.task_id == "flaky" && r.attempt == 1)
        .unwrap();
    assert_eq!(first.input, "Q: the question");
    assert_eq!(first.orchestration_input, "the question");
    assert_eq!(
        first.idempotency_key,
        format!("{}/flaky/1", result.orchestration_id)
    );
    assert_eq!(first.run, 1);
    let style = first.params.as_ref().unwrap().fields.get("style").unwrap();
    assert_eq!(
        style.kind,
        Some(prost_types::value::Kind::StringValue("terse".into()))
    );
    // The attempt's deadline travels as grpc-timeout (7 s, give or take encoding).
    let timeout = timeout.as_deref().expect("a grpc-timeout header");
    assert!(
        timeout.ends_with('m') || timeout.ends_with('u') || timeout.ends_with('S'),
        "{timeout}"
    );
}

#[tokio::test]
async fn a_down_agent_is_unavailable_and_retried() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server =
        TestServer::start_with(with_grpc_agent(SocketAddr::from(([127, 0, 0, 1], port)))).await;
    let mut lonely = task("t", "remote", &[], json!({}));
    lonely.retry_policy = Some(exact_retries(1, 10));
    let events = server.orchestrate(spec(vec![lonely])).await;
    let task = &completed(&events).tasks[0];
    assert_eq!(task.state(), pb::TaskState::Failed);
    assert_eq!(task.attempts, 2);
    assert!(task.error.contains("Unavailable"), "{}", task.error);
}

/// An agent served over TLS that requires a client certificate of `client_ca`.
async fn start_tls_agent(
    server: &common::certs::Leaf,
    client_ca: &common::certs::Ca,
) -> SocketAddr {
    use tonic::transport::{Certificate, Identity, ServerTlsConfig};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let tls = ServerTlsConfig::new()
        .identity(Identity::from_pem(&server.cert_pem, &server.key_pem))
        .client_ca_root(Certificate::from_pem(&client_ca.cert_pem));
    let router = tonic::transport::Server::builder()
        .tls_config(tls)
        .unwrap()
        .add_service(AgentServiceServer::new(ScriptedAgent::default()));
    tokio::spawn(async move {
        router
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener))
            .await
    });
    addr
}

#[tokio::test]
async fn an_https_agent_is_called_over_tls_with_a_client_certificate_and_nothing_less() {
    use common::certs::{Ca, Files};
    use orchestrator::config::ClientTlsSettings;
    let (agent_ca, client_ca) = (Ca::new("agent CA"), Ca::new("orchestrator clients"));
    let addr = start_tls_agent(&agent_ca.server("agent"), &client_ca).await;
    let files = Files::new();
    let identity = client_ca.client("orchestrator", &[]);
    let full = ClientTlsSettings {
        ca_file: Some(files.write("agent-ca.pem", &agent_ca.cert_pem)),
        client_cert_file: Some(files.write("client.pem", &identity.cert_pem)),
        client_key_file: Some(files.write("client.key", &identity.key_pem)),
    };
    let without_identity = ClientTlsSettings {
        client_cert_file: None,
        client_key_file: None,
        ..full.clone()
    };
    let run = async |tls: Option<ClientTlsSettings>| {
        let mut settings = with_grpc_agent(addr);
        if let Some(AgentSettings::Grpc {
            endpoint,
            tls: slot,
            ..
        }) = settings.agents.get_mut("remote")
        {
            *endpoint = format!("https://{addr}");
            *slot = tls;
        }
        let server = TestServer::start_with(settings).await;
        let events = server
            .orchestrate(pb::OrchestrationSpec {
                default_retry_policy: Some(exact_retries(0, 10)),
                ..spec(vec![task("t", "remote", &[], json!({}))])
            })
            .await;
        completed(&events).tasks[0].clone()
    };
    let served = run(Some(full.clone())).await;
    assert_eq!(served.state(), pb::TaskState::Succeeded, "{served:?}");
    assert_eq!(served.output, "answer to t");
    for (case, tls) in [
        ("no client certificate", Some(without_identity)),
        ("the system's roots only", None),
    ] {
        let refused = run(tls).await;
        assert_eq!(
            refused.state(),
            pb::TaskState::Failed,
            "{case}: {refused:?}"
        );
    }

    // TLS settings on an http:// endpoint are refused, not ignored.
    let mut settings = with_grpc_agent(addr);
    if let Some(AgentSettings::Grpc { tls: slot, .. }) = settings.agents.get_mut("remote") {
        *slot = Some(full);
    }
    let error = orchestrator::agents::AgentRegistry::from_settings(&settings.agents).unwrap_err();
    assert!(error.to_string().contains("is not https://"), "{error}");
}
