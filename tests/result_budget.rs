//! The result budget: a plan whose worst case cannot fit `limits.max_result_bytes` is refused
//! before anything is stored; a plan of many tasks runs with smaller caps, and its result and
//! events still fit what a default gRPC client reads (4 MiB).

mod common;

use common::plans::{mock, spec, task};
use common::{TestServer, field_violations};
use orchestrator::api::pb;
use serde_json::json;

async fn submit(server: &TestServer, spec: pb::OrchestrationSpec) -> Result<String, tonic::Status> {
    server
        .orchestrator()
        .submit_orchestration(pb::SubmitOrchestrationRequest {
            request_id: String::new(),
            spec: Some(spec),
        })
        .await
        .map(|answer| answer.into_inner().orchestration_id)
}

async fn stored(server: &TestServer) -> usize {
    server
        .orchestrator()
        .list_orchestrations(pb::ListOrchestrationsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .orchestrations
        .len()
}

#[tokio::test]
async fn templates_that_would_amplify_past_the_budget_are_refused_and_nothing_is_stored() {
    let server = TestServer::start().await;
    // 256 echo tasks each rendering a 1 MiB input: 256 MiB of inputs and as much of output.
    let amplifying = pb::OrchestrationSpec {
        input: "x".repeat(1024 * 1024 - 64),
        ..spec(
            (0..256)
                .map(|i| pb::TaskSpec {
                    input: "{{input}}".into(),
                    ..task(&format!("t{i}"), "echo", &[], json!({}))
                })
                .collect(),
        )
    };
    let status = submit(&server, amplifying).await.unwrap_err();
    let violations = field_violations(&status);
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert_eq!(violations[0].0, "spec.tasks");
    assert!(
        violations[0].1.contains("limits.max_result_bytes")
            && violations[0].1.contains("the rendered inputs alone take"),
        "{violations:?}"
    );
    assert_eq!(stored(&server).await, 0);
}

#[tokio::test]
async fn explicit_caps_that_cannot_fit_are_refused_with_a_cap_that_would() {
    let server = TestServer::start().await;
    let capped = |cap: u32| pb::OrchestrationSpec {
        max_output_bytes: Some(cap),
        ..spec(
            (0..20)
                .map(|i| mock(&format!("t{i}"), &[], json!({"output": "y"})))
                .collect(),
        )
    };
    let status = submit(&server, capped(200 * 1024)).await.unwrap_err();
    let violations = field_violations(&status);
    assert_eq!(violations[0].0, "spec.max_output_bytes");
    let advice = &violations[0].1;
    let would_fit: u32 = advice
        .split("an output cap of at most ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|number| number.parse().ok())
        .unwrap_or_else(|| panic!("no cap named in {advice}"));
    submit(&server, capped(would_fit))
        .await
        .expect("the cap it names fits");

    let over_the_server = submit(&server, capped(512 * 1024)).await.unwrap_err();
    assert!(
        field_violations(&over_the_server)[0]
            .1
            .contains("engine.max_output_bytes")
    );
}

#[tokio::test]
async fn many_tasks_share_the_budget_and_the_result_fits_a_default_client() {
    let server = TestServer::start().await;
    // 256 tasks of 8 KiB each: 4 MiB of outputs, counted twice, do not fit 3 MiB; the shared
    // cap cuts them, and the whole result still reaches a default client (4 MiB).
    let many = spec(
        (0..256)
            .map(|i| {
                mock(
                    &format!("t{i}"),
                    &[],
                    json!({"output": "z".repeat(8 * 1024)}),
                )
            })
            .collect(),
    );
    let events = server.orchestrate(many).await;
    let result = common::plans::completed(&events);
    assert_eq!(result.state(), pb::OrchestrationState::Approved);
    assert!(
        result.tasks.iter().all(|t| t.output_truncated),
        "cut to the shared cap"
    );
    let cap = result.tasks[0].output.len();
    assert!((1024..8 * 1024).contains(&cap), "{cap}");
    let encoded = prost::Message::encoded_len(result);
    assert!(encoded < 4 * 1024 * 1024, "{encoded} bytes");
    let fetched = server.get(&result.orchestration_id).await;
    assert_eq!(fetched.output, result.output);

    // A plan that sets its own caps within the budget keeps them.
    let mut own = spec(vec![mock("t", &[], json!({"output": "w".repeat(100)}))]);
    own.tasks[0].max_output_bytes = Some(10);
    let events = server.orchestrate(own).await;
    assert_eq!(
        common::plans::completed(&events).tasks[0].output,
        "w".repeat(10)
    );
}
