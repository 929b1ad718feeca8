//! Secrets hygiene: a secret in an agent's URL or headers reaches neither the caller, nor the
//! log, nor `--print-config`; the operator's log is scrubbed of personal data whatever a
//! tenant's criteria say; HASH pseudonyms are keyed by a server secret.

mod common;

use std::time::Duration;

use common::TestServer;
use common::certs::Files;
use common::http_peer::HttpPeer;
use common::plans::{collect, completed, exact_retries, task};
use common::process::{BINARY, ServerProcess};
use hmac::{KeyInit as _, Mac as _};
use orchestrator::api::pb;
use orchestrator::api::pb::orchestrator_service_client::OrchestratorServiceClient;
use orchestrator::api::pb::review_criteria_service_client::ReviewCriteriaServiceClient;
use orchestrator::config::Settings;
use serde_json::json;

const SECRETS: [&str; 4] = [
    "s3cr3t-url-key",
    "s3cr3t-header",
    "s3cr3t-pass",
    "s3cr3t-openai",
];

fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn leaky_config(files: &Files) -> std::path::PathBuf {
    let port = closed_port();
    files.write(
        "leaky.toml",
        &format!(
            r#"
[agents.leaky]
kind = "http"
url = "http://127.0.0.1:{port}/invoke?api_key=s3cr3t-url-key&team=blue"
headers = {{ "x-api-key" = "s3cr3t-header" }}

[agents.llm]
kind = "openai"
base_url = "http://bot:s3cr3t-pass@127.0.0.1:{port}/v1?api-key=s3cr3t-openai"
model = "small"
"#
        ),
    )
}

fn assert_no_secret(what: &str, text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{what} shows {secret}: {text}");
    }
}

#[tokio::test]
async fn secrets_in_agent_urls_and_headers_stay_hidden() {
    let files = Files::new();
    let config = leaky_config(&files);

    let printed = std::process::Command::new(BINARY)
        .args(["serve", "--print-config", "--config"])
        .arg(&config)
        .output()
        .expect("run --print-config");
    let printed = String::from_utf8_lossy(&printed.stdout).into_owned();
    assert_no_secret("--print-config", &printed);
    for shown in [
        "api_key=***&team=***",
        "x-api-key = \"***\"",
        "http://***@127.0.0.1:",
        "api-key=***",
    ] {
        assert!(printed.contains(shown), "{shown} missing from {printed}");
    }

    let server = ServerProcess::start(&["--config", config.to_str().unwrap()]).await;
    let channel = common::connect(server.addr).await;
    let spec = pb::OrchestrationSpec {
        default_retry_policy: Some(exact_retries(0, 10)),
        ..common::plans::spec(vec![
            task("fetch", "leaky", &[], json!({})),
            task("write", "llm", &[], json!({})),
        ])
    };
    let stream = OrchestratorServiceClient::new(channel)
        .orchestrate(pb::OrchestrateRequest {
            request_id: String::new(),
            spec: Some(spec),
        })
        .await
        .unwrap()
        .into_inner();
    let events = collect(stream, |m| m.event).await;
    let result = completed(&events);
    assert_eq!(result.tasks.len(), 2);
    for task in &result.tasks {
        assert_eq!(task.state(), pb::TaskState::Failed, "{task:?}");
        assert!(task.error.contains("cannot reach the agent"), "{task:?}");
    }
    assert_no_secret("the events", &format!("{events:?}"));

    server.signal("TERM");
    let (_, logs) = server.exit_within(Duration::from_secs(30)).await;
    let logs = logs.join("\n");
    assert!(logs.contains("task attempt"), "{logs}");
    assert_no_secret("the log", &logs);
}

#[tokio::test]
async fn the_log_is_scrubbed_even_for_a_tenant_that_turned_redaction_off() {
    let peer = HttpPeer::start(|_, _| {
        (
            500,
            "escalate to ana.lopez@example.com or +1 415-555-0132".into(),
        )
    })
    .await;
    let files = Files::new();
    let config = files.write(
        "support.toml",
        &format!(
            "[agents.support]\nkind = \"http\"\nurl = \"{}\"\n",
            peer.url("/invoke")
        ),
    );
    let server = ServerProcess::start(&["--config", config.to_str().unwrap()]).await;
    let channel = common::connect(server.addr).await;
    ReviewCriteriaServiceClient::new(channel.clone())
        .create_review_criteria(pb::CreateReviewCriteriaRequest {
            criteria: Some(pb::ReviewCriteria {
                id: "default".into(),
                redaction: Some(pb::RedactionSettings {
                    enabled: false,
                    ..Default::default()
                }),
                ..Default::default()
            }),
        })
        .await
        .unwrap();
    let stream = OrchestratorServiceClient::new(channel)
        .orchestrate(pb::OrchestrateRequest {
            request_id: String::new(),
            spec: Some(pb::OrchestrationSpec {
                default_retry_policy: Some(exact_retries(0, 10)),
                ..common::plans::spec(vec![task("ask", "support", &[], json!({}))])
            }),
        })
        .await
        .unwrap()
        .into_inner();
    let events = collect(stream, |m| m.event).await;
    // The tenant chose to see its data unredacted...
    let error = &completed(&events).tasks[0].error;
    assert!(error.contains("ana.lopez@example.com"), "{error}");

    // ...the operator's log does not carry it.
    server.signal("TERM");
    let (_, logs) = server.exit_within(Duration::from_secs(30)).await;
    let logs = logs.join("\n");
    assert!(logs.contains("escalate to [EMAIL] or [PHONE]"), "{logs}");
    assert!(!logs.contains("ana.lopez@example.com"), "{logs}");
    assert!(!logs.contains("415-555-0132"), "{logs}");
}

fn hashing(id: &str) -> pb::ReviewCriteria {
    pb::ReviewCriteria {
        id: id.into(),
        redaction: Some(pb::RedactionSettings {
            enabled: true,
            style: pb::RedactionStyle::Hash as i32,
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The hex of every `[EMAIL:...]` pseudonym in `text`.
fn pseudonyms_in(text: &str) -> Vec<String> {
    text.split("[EMAIL:")
        .skip(1)
        .filter_map(|rest| rest.split_once(']').map(|(hex, _)| hex.to_owned()))
        .collect()
}

/// The pseudonym a real orchestration in `tenant` gives an email address.
async fn pseudonym(server: &TestServer, tenant: &str) -> String {
    let criteria = server
        .criteria()
        .create_review_criteria(common::plans::in_tenant(
            tenant,
            pb::CreateReviewCriteriaRequest {
                criteria: Some(hashing("")),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .criteria
        .unwrap()
        .id;
    let stream = server
        .orchestrator()
        .orchestrate(common::plans::in_tenant(
            tenant,
            pb::OrchestrateRequest {
                request_id: String::new(),
                spec: Some(pb::OrchestrationSpec {
                    review_criteria_id: criteria,
                    ..common::plans::spec(vec![pb::TaskSpec {
                        input: "Write to ana@example.com.".into(),
                        ..task("mail", "echo", &[], json!({}))
                    }])
                }),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let events = collect(stream, |m| m.event).await;
    let found = pseudonyms_in(&completed(&events).output);
    assert_eq!(found.len(), 1, "{:?}", completed(&events));
    found[0].clone()
}

#[tokio::test]
async fn hash_pseudonyms_are_an_hmac_under_a_server_secret() {
    // A configured key: the pseudonym is HMAC-SHA-256(key, tenant 0x1f EMAIL 0x1f value),
    // computed here independently.
    let files = Files::new();
    let key = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    let mut settings = Settings::default();
    settings.review.pseudonym_key_file = Some(files.write("pseudonym.key", &format!("{key}\n")));
    let server = TestServer::start_with(settings).await;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(b"acme\x1fEMAIL\x1fana@example.com");
    let expected = hex::encode(&mac.finalize().into_bytes()[..8]);
    assert_eq!(pseudonym(&server, "acme").await, expected);
    assert_ne!(pseudonym(&server, "globex").await, expected, "per tenant");

    // Unset: a key is made in the data directory, kept across restarts, and differs from
    // another server's.
    let first = TestServer::start().await;
    let before = pseudonym(&first, "acme").await;
    assert_eq!(before.len(), 16);
    assert_ne!(before, expected);
    let restarted = first.restart().await;
    assert_eq!(
        pseudonym(&restarted, "acme").await,
        before,
        "same key after a restart"
    );
    let other = TestServer::start().await;
    assert_ne!(
        pseudonym(&other, "acme").await,
        before,
        "another server, another key"
    );
}

#[tokio::test]
async fn a_dry_run_is_no_oracle_for_the_pseudonyms_of_real_outputs() {
    let server = TestServer::start().await;
    let real = pseudonym(&server, "acme").await;
    let dry_run = || async {
        let output = server
            .criteria()
            .evaluate_review(common::plans::in_tenant(
                "acme",
                pb::EvaluateReviewRequest {
                    output: "Write to ana@example.com, again ana@example.com.".into(),
                    criteria_source: Some(
                        pb::evaluate_review_request::CriteriaSource::InlineCriteria(hashing("")),
                    ),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner()
            .redacted_output;
        pseudonyms_in(&output)
    };
    let (first, second) = (dry_run().await, dry_run().await);
    assert_eq!(first.len(), 2);
    assert_eq!(
        first[0], first[1],
        "equal values still match within one answer"
    );
    assert_ne!(first[0], real, "but not the pseudonym real outputs carry");
    assert_ne!(first[0], second[0], "nor each other across calls");
}
