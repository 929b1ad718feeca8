//! The `openai` agent kind against a real HTTP server on 127.0.0.1 speaking the chat
//! completions protocol, configured from a settings file with its key in the environment, as
//! an operator would: OpenAI-style (bearer key) and Azure-style (deployment, api-version,
//! `api-key` header).

mod common;

use std::io::Write as _;

use common::connect;
use common::http_peer::{HttpPeer, chat_completion as completion};
use common::plans::{collect, completed, spec, task};
use common::process::ServerProcess;
use orchestrator::api::pb;
use orchestrator::api::pb::orchestrator_service_client::OrchestratorServiceClient;
use serde_json::json;

fn settings_file(contents: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(contents.as_bytes()).unwrap();
    file
}

async fn run(
    server: &ServerProcess,
    orchestration: pb::OrchestrationSpec,
) -> Vec<pb::OrchestrationEvent> {
    let mut client = OrchestratorServiceClient::new(connect(server.addr).await);
    let stream = client
        .orchestrate(pb::OrchestrateRequest {
            request_id: String::new(),
            spec: Some(orchestration),
        })
        .await
        .unwrap()
        .into_inner();
    collect(stream, |m| m.event).await
}

#[tokio::test]
async fn chat_completions_with_a_bearer_key_and_token_usage() {
    let model = HttpPeer::start(|_, index| match index {
        0 => (500, r#"{"error": {"message": "upstream hiccup"}}"#.into()),
        _ => (200, completion("Revenue grew 12%.")),
    })
    .await;
    let settings = settings_file(&format!(
        r#"
[engine.retry]
initial_backoff = "10ms"
jitter = false

[agents.writer]
kind = "openai"
base_url = "{}"
model = "gpt-4o-mini"
api_key_env = "TEST_OPENAI_KEY"
system_prompt = "You write board reports."
temperature = 0.2
max_tokens = 300
"#,
        model.url("/v1")
    ));
    let server = ServerProcess::start_with_env(
        &["--config", settings.path().to_str().unwrap()],
        &[("TEST_OPENAI_KEY", "sk-test-123")],
    )
    .await;
    let mut writer = task("writer", "writer", &[], json!({}));
    writer.input = "Summarize {{input}}".into();
    let events = run(&server, spec(vec![writer])).await;
    let result = completed(&events);
    let task = &result.tasks[0];
    assert_eq!(task.state(), pb::TaskState::Succeeded, "{task:?}");
    assert_eq!(task.output, "Revenue grew 12%.");
    assert_eq!(task.attempts, 2, "the 500 was retried");
    assert_eq!(
        task.usage,
        Some(pb::TokenUsage {
            prompt_tokens: 21,
            completion_tokens: 7
        })
    );

    let calls = model.calls();
    let call = &calls[1];
    assert_eq!(call.path_and_query, "/v1/chat/completions");
    assert_eq!(call.headers["authorization"], "Bearer sk-test-123");
    assert_eq!(call.body["model"], "gpt-4o-mini");
    assert_eq!(call.body["temperature"], 0.2);
    assert_eq!(call.body["max_tokens"], 300);
    assert_eq!(
        call.body["messages"],
        json!([
            {"role": "system", "content": "You write board reports."},
            {"role": "user", "content": "Summarize the question"}
        ])
    );
}

#[tokio::test]
async fn azure_deployments_use_api_version_and_the_api_key_header() {
    let model = HttpPeer::start(|_, _| (200, completion("Ja."))).await;
    let settings = settings_file(&format!(
        r#"
[agents.azure]
kind = "openai"
base_url = "{}"
azure_deployment = "gpt4o-prod"
api_version = "2024-06-01"
api_key_env = "TEST_AZURE_KEY"
"#,
        model.url("")
    ));
    let server = ServerProcess::start_with_env(
        &["--config", settings.path().to_str().unwrap()],
        &[("TEST_AZURE_KEY", "azure-secret")],
    )
    .await;
    let events = run(&server, spec(vec![task("t", "azure", &[], json!({}))])).await;
    assert_eq!(completed(&events).tasks[0].output, "Ja.");
    let call = &model.calls()[0];
    assert_eq!(
        call.path_and_query,
        "/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-06-01"
    );
    assert_eq!(call.headers["api-key"], "azure-secret");
    assert!(call.headers.get("authorization").is_none());
}

#[tokio::test]
async fn a_rejected_request_is_fatal_and_an_unset_key_stops_the_server() {
    let model = HttpPeer::start(|_, _| (401, r#"{"error": {"message": "bad key"}}"#.into())).await;
    let settings = settings_file(&format!(
        "[agents.writer]\nkind = \"openai\"\nbase_url = \"{}\"\nmodel = \"m\"\n",
        model.url("/v1")
    ));
    let server = ServerProcess::start(&["--config", settings.path().to_str().unwrap()]).await;
    let events = run(&server, spec(vec![task("t", "writer", &[], json!({}))])).await;
    let task = &completed(&events).tasks[0];
    assert_eq!(task.state(), pb::TaskState::Failed);
    assert_eq!(task.attempts, 1);
    assert!(task.error.contains("401"), "{}", task.error);

    let missing_key = settings_file(&format!(
        "[agents.writer]\nkind = \"openai\"\nbase_url = \"{}\"\nmodel = \"m\"\napi_key_env = \"TEST_UNSET_KEY_XYZ\"\n",
        model.url("/v1")
    ));
    let output = std::process::Command::new(common::process::BINARY)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--config",
            missing_key.path().to_str().unwrap(),
        ])
        .env_remove("TEST_UNSET_KEY_XYZ")
        .arg("--data-dir")
        .arg(tempfile::tempdir().unwrap().path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("TEST_UNSET_KEY_XYZ is not set"), "{stderr}");
}
