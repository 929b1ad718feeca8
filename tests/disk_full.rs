//! A full disk under the embedded store, for real: the binary runs on a small tmpfs of its own
//! (a user and mount namespace made with `unshare`, no privileges needed) that a ballast file
//! helps to fill. Health turns NOT_SERVING and stays so without flapping, submissions get
//! UNAVAILABLE, the log says so once with the path and the free space; once the ballast is
//! removed, health returns and every orchestration that was accepted completes.

mod common;

use std::time::Duration;

use common::plans::{mock, spec};
use common::process::{BINARY, ServerProcess};
use orchestrator::api::pb;
use orchestrator::api::pb::orchestrator_service_client::OrchestratorServiceClient;
use serde_json::json;
use tonic::Code;
use tonic_health::pb::health_client::HealthClient;

/// Mounts an 8 MiB tmpfs on `$1`, fills half of it with a ballast file, and runs the server on
/// the rest; SIGUSR1 removes the ballast, SIGTERM reaches the server.
const WRAPPER: &str = r#"
set -e
dir="$1"; binary="$2"
mount -t tmpfs -o size=8m tmpfs "$dir"
head -c 4194304 /dev/zero > "$dir/ballast"
"$binary" serve --listen 127.0.0.1:0 --log-format json --data-dir "$dir/data" &
server=$!
trap 'rm -f "$dir/ballast"' USR1
trap 'kill -TERM "$server"' TERM
set +e
while true; do
  wait "$server"; status=$?
  kill -0 "$server" 2>/dev/null || exit "$status"
done
"#;

async fn health(channel: &tonic::transport::Channel) -> i32 {
    HealthClient::new(channel.clone())
        .check(tonic_health::pb::HealthCheckRequest::default())
        .await
        .map(|answer| answer.into_inner().status)
        .unwrap_or(-1)
}

fn serving() -> i32 {
    tonic_health::pb::health_check_response::ServingStatus::Serving as i32
}

fn heavy_plan() -> pb::OrchestrationSpec {
    spec(vec![mock(
        "t",
        &[],
        json!({"output": "x".repeat(50 * 1024)}),
    )])
}

#[tokio::test]
async fn a_full_disk_is_reported_steadily_and_nothing_accepted_is_lost() {
    let namespaces = std::process::Command::new("unshare")
        .args(["-rm", "true"])
        .status();
    assert!(
        namespaces.is_ok_and(|status| status.success()),
        "this test needs `unshare -rm` (util-linux, unprivileged user namespaces)"
    );
    let dir = tempfile::tempdir().unwrap();
    let mut command = tokio::process::Command::new("unshare");
    command
        .args(["-rm", "sh", "-c", WRAPPER, "sh"])
        .arg(dir.path())
        .arg(BINARY);
    let mut server = ServerProcess::spawn(command, dir).await;
    let channel = common::connect(server.addr).await;
    let mut client = OrchestratorServiceClient::new(channel.clone());

    // Fill the disk: submit until the store refuses.
    let mut accepted = Vec::new();
    let mut refused = None;
    for _ in 0..200 {
        match client
            .submit_orchestration(pb::SubmitOrchestrationRequest {
                request_id: String::new(),
                spec: Some(heavy_plan()),
            })
            .await
        {
            Ok(answer) => accepted.push(answer.into_inner().orchestration_id),
            Err(status) => {
                refused = Some(status);
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let refused = refused.expect("the disk filled up");
    assert_eq!(refused.code(), Code::Unavailable, "{refused:?}");
    assert!(!accepted.is_empty());

    let full = server
        .wait_for_log(|line| {
            line["message"] == "the disk holding the store is full; writes wait until there is room"
        })
        .await;
    assert_eq!(full["level"], "WARN", "{full}");
    assert!(
        full["path"]
            .as_str()
            .unwrap()
            .ends_with("/data/orchestrator.db"),
        "{full}"
    );
    assert!(full["free_bytes"].as_u64().is_some(), "{full}");

    // Steadily NOT_SERVING: no probe turns it back while the disk is full, also between the
    // log writer's retries (every 5 s at most).
    for _ in 0..80 {
        assert_ne!(health(&channel).await, serving());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let status = client
        .submit_orchestration(pb::SubmitOrchestrationRequest {
            request_id: String::new(),
            spec: Some(heavy_plan()),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unavailable);

    // Room again: health returns, and everything accepted completes.
    server.signal("USR1");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while health(&channel).await != serving() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "health did not return"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    common::await_approved(&mut client, &accepted, deadline).await;
    let warnings = server
        .seen
        .iter()
        .filter(|line| line.contains("the disk holding the store is full"))
        .count();
    assert_eq!(warnings, 1, "said once");

    server.signal("TERM");
    let (status, _) = server.exit_within(Duration::from_secs(30)).await;
    assert!(status.success(), "{status:?}");
}
