//! The `http` agent kind against a real HTTP server on 127.0.0.1: the payload it sends, and how
//! it sorts answers into success, retryable and fatal failures.

mod common;

use std::collections::BTreeMap;

use common::TestServer;
use common::http_peer::HttpPeer;
use common::plans::{completed, exact_retries, mock, spec, task};
use orchestrator::api::pb;
use orchestrator::config::{AgentSettings, Settings};
use serde_json::json;

fn with_http_agent(url: String) -> Settings {
    let mut settings = Settings::default();
    settings.agents.insert(
        "researcher".into(),
        AgentSettings::Http {
            enabled: true,
            description: "Research service".into(),
            max_concurrency: 4,
            url,
            headers: BTreeMap::from([("x-team".to_owned(), "blue".to_owned())]),
            bearer_token_env: None,
            tls: None,
        },
    );
    settings
}

#[tokio::test]
async fn the_agent_receives_the_full_payload_and_its_answer_becomes_the_output() {
    let peer = HttpPeer::start(|_, _| {
        (
            200,
            r#"{"output": "Found 3 sources.", "confidence": 0.8}"#.into(),
        )
    })
    .await;
    let server = TestServer::start_with(with_http_agent(peer.url("/invoke"))).await;
    let mut research = task("research", "researcher", &["facts"], json!({"depth": 2}));
    research.input = "Dig into {{tasks.facts.output}}".into();
    let events = server
        .orchestrate(spec(vec![
            mock("facts", &[], json!({"output": "the Q3 numbers"})),
            research,
        ]))
        .await;
    let result = completed(&events);
    assert_eq!(result.tasks[1].output, "Found 3 sources.");
    assert_eq!(result.tasks[1].confidence, Some(0.8));

    let calls = peer.calls();
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!(call.path_and_query, "/invoke");
    let body = &call.body;
    assert_eq!(body["orchestration_id"], json!(result.orchestration_id));
    assert_eq!(body["task_id"], "research");
    assert_eq!(body["attempt"], 1);
    assert_eq!(body["run"], 1);
    assert_eq!(body["input"], "Dig into the Q3 numbers");
    assert_eq!(body["params"], json!({"depth": 2}));
    assert_eq!(
        body["dependency_outputs"],
        json!({"facts": "the Q3 numbers"})
    );
    assert_eq!(body["orchestration_input"], "the question");
    let key = format!("{}/research/1", result.orchestration_id);
    assert_eq!(body["idempotency_key"], json!(key));
    assert_eq!(call.headers["idempotency-key"], key.as_str());
    assert_eq!(call.headers["x-team"], "blue");

    let agents = server
        .orchestrator()
        .list_agents(pb::ListAgentsRequest {})
        .await
        .unwrap()
        .into_inner()
        .agents;
    let researcher = agents.iter().find(|a| a.name == "researcher").unwrap();
    assert_eq!(
        (researcher.kind.as_str(), researcher.max_concurrency),
        ("http", 4)
    );
}

#[tokio::test]
async fn server_errors_and_throttling_are_retried_with_a_new_attempt_number() {
    let peer = HttpPeer::start(|_, index| match index {
        0 => (503, "overloaded".into()),
        1 => (429, "slow down".into()),
        _ => (200, r#"{"output": "ok"}"#.into()),
    })
    .await;
    let server = TestServer::start_with(with_http_agent(peer.url("/invoke"))).await;
    let mut flaky = task("t", "researcher", &[], json!({}));
    flaky.retry_policy = Some(exact_retries(3, 10));
    let result = server.orchestrate(spec(vec![flaky])).await;
    let result = completed(&result);
    assert_eq!(result.tasks[0].state(), pb::TaskState::Succeeded);
    assert_eq!(result.tasks[0].attempts, 3);
    let attempts: Vec<u64> = peer
        .calls()
        .iter()
        .map(|c| c.body["attempt"].as_u64().unwrap())
        .collect();
    assert_eq!(attempts, [1, 2, 3]);
    let keys: Vec<String> = peer
        .calls()
        .iter()
        .map(|c| c.body["idempotency_key"].as_str().unwrap().to_owned())
        .collect();
    assert!(keys[2].ends_with("/t/3"), "{keys:?}");
}

#[tokio::test]
async fn client_errors_and_malformed_answers_are_fatal() {
    let peer = HttpPeer::start(|call, _| match call.body["task_id"].as_str() {
        Some("bad-request") => (400, r#"{"error": "unknown field"}"#.into()),
        _ => (200, "not json".into()),
    })
    .await;
    let server = TestServer::start_with(with_http_agent(peer.url("/invoke"))).await;
    let mut bad = task("bad-request", "researcher", &[], json!({}));
    bad.retry_policy = Some(exact_retries(3, 10));
    let mut garbled = task("garbled", "researcher", &[], json!({}));
    garbled.retry_policy = Some(exact_retries(3, 10));
    let events = server.orchestrate(spec(vec![bad, garbled])).await;
    let result = completed(&events);
    for task in &result.tasks {
        assert_eq!(task.state(), pb::TaskState::Failed, "{task:?}");
        assert_eq!(task.attempts, 1, "fatal: not retried");
    }
    assert!(
        result.tasks[0].error.contains("HTTP 400"),
        "{}",
        result.tasks[0].error
    );
    assert!(
        result.tasks[1].error.contains("not {\"output\""),
        "{}",
        result.tasks[1].error
    );
    assert_eq!(peer.calls().len(), 2);
}

#[tokio::test]
async fn an_unreachable_agent_is_retried_then_fails() {
    // A port that was free a moment ago: connections are refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server =
        TestServer::start_with(with_http_agent(format!("http://127.0.0.1:{port}/invoke"))).await;
    let mut lonely = task("t", "researcher", &[], json!({}));
    lonely.retry_policy = Some(exact_retries(2, 10));
    let events = server.orchestrate(spec(vec![lonely])).await;
    let task = &completed(&events).tasks[0];
    assert_eq!(task.state(), pb::TaskState::Failed);
    assert_eq!(task.attempts, 3);
    assert!(
        task.error.contains("cannot reach the agent"),
        "{}",
        task.error
    );
}

#[tokio::test]
async fn agent_errors_are_redacted_in_results_and_in_the_log() {
    let peer = HttpPeer::start(|_, _| {
        (
            400,
            r#"{"error": "unknown account ana@example.com"}"#.into(),
        )
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let settings = dir.path().join("settings.toml");
    std::fs::write(
        &settings,
        format!(
            "[agents.researcher]\nkind = \"http\"\nurl = \"{}\"\n",
            peer.url("/invoke")
        ),
    )
    .unwrap();
    let mut server =
        common::process::ServerProcess::start(&["--config", settings.to_str().unwrap()]).await;
    let mut client = pb::orchestrator_service_client::OrchestratorServiceClient::new(
        common::connect(server.addr).await,
    );
    let stream = client
        .orchestrate(pb::OrchestrateRequest {
            request_id: String::new(),
            spec: Some(spec(vec![task("lookup", "researcher", &[], json!({}))])),
        })
        .await
        .unwrap()
        .into_inner();
    let events = common::plans::collect(stream, |m| m.event).await;
    let error = &completed(&events).tasks[0].error;
    assert!(error.contains("unknown account [EMAIL]"), "{error}");
    assert!(!format!("{events:?}").contains("ana@example.com"));

    let line = server
        .wait_for_log(|entry| entry["message"] == "task attempt" && entry["task_id"] == "lookup")
        .await;
    let logged = line["error"].as_str().unwrap_or_default();
    assert!(
        logged.contains("[EMAIL]") && !logged.contains("ana@example.com"),
        "{line}"
    );
    assert_eq!(line["state"], "failed");
    assert_eq!(line["attempt"], 1);
    assert!(line["duration_ms"].is_number());
    assert!(
        line["orchestration_id"]
            .as_str()
            .unwrap()
            .starts_with("orch-")
    );
}

#[tokio::test]
async fn an_https_agent_is_trusted_through_its_own_ca_only() {
    use common::certs::{Ca, Files};
    use orchestrator::config::ClientTlsSettings;
    let ca = Ca::new("private CA");
    let peer = HttpPeer::start_tls(
        |_, _| (200, r#"{"output": "over TLS"}"#.into()),
        &ca.server("agent"),
    )
    .await;
    let files = Files::new();
    let run = async |tls: Option<ClientTlsSettings>| {
        let mut settings = with_http_agent(peer.url("/invoke"));
        if let Some(AgentSettings::Http { tls: slot, .. }) = settings.agents.get_mut("researcher") {
            *slot = tls;
        }
        let server = TestServer::start_with(settings).await;
        let events = server
            .orchestrate(pb::OrchestrationSpec {
                default_retry_policy: Some(exact_retries(0, 10)),
                ..spec(vec![task("t", "researcher", &[], json!({}))])
            })
            .await;
        completed(&events).tasks[0].clone()
    };
    assert!(peer.url("/invoke").starts_with("https://"));
    let trusted = run(Some(ClientTlsSettings {
        ca_file: Some(files.write("ca.pem", &ca.cert_pem)),
        ..Default::default()
    }))
    .await;
    assert_eq!(trusted.state(), pb::TaskState::Succeeded, "{trusted:?}");
    assert_eq!(trusted.output, "over TLS");
    let untrusted = run(None).await;
    assert_eq!(untrusted.state(), pb::TaskState::Failed, "{untrusted:?}");
    assert!(
        untrusted.error.contains("cannot reach the agent"),
        "{untrusted:?}"
    );
    assert_eq!(
        peer.calls().len(),
        1,
        "only the trusting client got through"
    );
}
