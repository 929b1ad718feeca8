//! The binary under a hard memory cap (RLIMIT_AS, as a container's limit would be), flooded
//! with large submissions from many clients: it answers RESOURCE_EXHAUSTED for what its memory
//! budget cannot take, completes everything it accepted, and after a kill -9 restarts under the
//! same cap on the same data and finishes the work it had.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::plans::{mock, spec};
use common::process::{BINARY, ServerProcess};
use orchestrator::api::pb;
use orchestrator::api::pb::orchestrator_service_client::OrchestratorServiceClient;
use serde_json::json;
use tonic::Code;

/// Address space for the server: its baseline (about 350 MB, mostly reservations) and room
/// for the budget below, not for unbounded work.
const ADDRESS_SPACE_KB: u64 = 1_000_000;
const CONFIG: &str = "[storage]\nlease_duration = \"3s\"\n[limits]\nmemory_budget = 134217728\n";

fn capped(data: &std::path::Path, config: &std::path::Path) -> tokio::process::Command {
    let mut command = tokio::process::Command::new("sh");
    command
        .args([
            "-c",
            &format!(
                "ulimit -v {ADDRESS_SPACE_KB} && exec \"$0\" serve --listen 127.0.0.1:0 --log-format json --data-dir \"$1\" --config \"$2\""
            ),
        ])
        .arg(BINARY)
        .arg(data)
        .arg(config);
    command
}

fn large() -> pb::OrchestrationSpec {
    pb::OrchestrationSpec {
        input: "x".repeat(512 * 1024),
        ..spec(vec![mock("t", &[], json!({"delay_ms": 1500}))])
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_memory_capped_server_refuses_what_it_cannot_hold_and_survives() {
    let files = common::certs::Files::new();
    let config = files.write("capped.toml", CONFIG);
    let data = tempfile::tempdir().unwrap();
    let server = ServerProcess::spawn(capped(data.path(), &config), data).await;
    let channel = common::connect(server.addr).await;

    // 32 clients submit large specs as fast as they can for 4 s.
    let accepted = Arc::new(std::sync::Mutex::new(Vec::new()));
    let refused = Arc::new(AtomicUsize::new(0));
    let other = Arc::new(std::sync::Mutex::new(Vec::new()));
    let stop = tokio::time::Instant::now() + Duration::from_secs(4);
    let clients: Vec<_> = (0..32)
        .map(|_| {
            let mut client = OrchestratorServiceClient::new(channel.clone());
            let (accepted, refused, other) = (accepted.clone(), refused.clone(), other.clone());
            tokio::spawn(async move {
                while tokio::time::Instant::now() < stop {
                    let answer = client
                        .submit_orchestration(pb::SubmitOrchestrationRequest {
                            request_id: String::new(),
                            spec: Some(large()),
                        })
                        .await;
                    match answer {
                        Ok(answer) => accepted
                            .lock()
                            .unwrap()
                            .push(answer.into_inner().orchestration_id),
                        Err(status) if status.code() == Code::ResourceExhausted => {
                            refused.fetch_add(1, Ordering::Relaxed);
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                        Err(status) => other.lock().unwrap().push(status.to_string()),
                    }
                }
            })
        })
        .collect();
    for client in clients {
        client.await.unwrap();
    }
    let accepted = accepted.lock().unwrap().clone();
    let other = other.lock().unwrap().clone();
    assert!(
        other.is_empty(),
        "answers besides success and RESOURCE_EXHAUSTED: {other:?}"
    );
    assert!(!accepted.is_empty());
    assert!(
        refused.load(Ordering::Relaxed) > 0,
        "the budget was reached"
    );

    // Kill it with work in flight, and restart it under the same cap on the same data.
    let data = server.kill().await;
    let server = ServerProcess::spawn(capped(data.path(), &config), data).await;
    let mut client = OrchestratorServiceClient::new(common::connect(server.addr).await);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    common::await_approved(&mut client, &accepted, deadline).await;
    server.signal("TERM");
    let (status, _) = server.exit_within(Duration::from_secs(30)).await;
    assert!(status.success(), "{status:?}");
}
