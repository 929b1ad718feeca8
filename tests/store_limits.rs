//! A log entry the store refuses for good: Cosmos DB takes no item over 2 MB, and a result that
//! carries many large outputs is over it. The orchestration must end FAILED, saying why, its
//! stream must end (gapless), and the other orchestrations must not notice.

mod common;

use common::cosmos_peer::CosmosPeer;
use common::plans::{assert_gapless, completed, mock, replay, spec, submit, task};
use common::process::ServerProcess;
use orchestrator::api::pb;
use pb::orchestrator_service_client::OrchestratorServiceClient;
use serde_json::json;

/// Six `echo` tasks of a 200 kB input: every task output, checkpoint and event fits, the
/// result (six outputs, and the aggregate of them) is about 2.4 MB.
fn too_large_a_result() -> pb::OrchestrationSpec {
    let text = "lorem ipsum dolor sit amet ".repeat(200_000 / 27);
    spec(
        (0..6)
            .map(|i| pb::TaskSpec {
                input: text.clone(),
                ..task(&format!("part{i}"), "echo", &[], json!({}))
            })
            .collect(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_result_the_store_refuses_ends_the_orchestration_failed() {
    let peer = CosmosPeer::start();
    let mut env = peer.server_env(&format!("limits-{}", uuid::Uuid::now_v7().simple()));
    // A result budget above what Cosmos DB stores: this is about the store's refusal, which
    // the budget would otherwise prevent.
    env.push((
        "ORCHESTRATOR_LIMITS__MAX_RESULT_BYTES".into(),
        "8388608".into(),
    ));
    let mut server = ServerProcess::start_with_env(&[], &env).await;
    let mut client = OrchestratorServiceClient::new(common::connect(server.addr).await);

    let large = submit(&mut client, too_large_a_result()).await;
    let small = submit(
        &mut client,
        spec(vec![mock("only", &[], json!({"output": "fine"}))]),
    )
    .await;

    let events = replay(&mut client, &large).await;
    assert_gapless(&events, 1);
    let result = completed(&events);
    assert_eq!(result.state(), pb::OrchestrationState::Failed, "{result:?}");
    let error = &result.error;
    assert!(
        error.contains("store refused") && error.contains("too large"),
        "the reason, from the store: {error}"
    );
    assert_eq!(result.tasks.len(), 6, "which tasks ran is kept");
    assert!(
        result.tasks.iter().all(|t| t.output.is_empty()) && result.output.is_empty(),
        "without the outputs that made it too large"
    );
    server
        .wait_for_log(|line| line["orchestration_id"] == large.as_str() && line["level"] == "ERROR")
        .await;

    // What was streamed is what is stored, and the record agrees.
    assert_eq!(replay(&mut client, &large).await, events);
    let record = client
        .get_orchestration(pb::GetOrchestrationRequest {
            orchestration_id: large.clone(),
            ..Default::default()
        })
        .await
        .expect("get")
        .into_inner();
    let stored = record.orchestration.expect("a result");
    assert_eq!(stored.state(), pb::OrchestrationState::Failed);
    assert_eq!(&stored.error, error);

    // Nobody else noticed.
    let events = replay(&mut client, &small).await;
    assert_eq!(completed(&events).state(), pb::OrchestrationState::Approved);
}
