//! Orchestrate end to end over gRPC: the event stream, parallel scheduling, failure isolation,
//! retries, timeouts, and the review at the end.

mod common;

use std::time::Duration;

use common::TestServer;
use common::plans::{
    assert_gapless, completed, exact_retries, mock, offset, spec, task, task_updates,
};
use orchestrator::api::pb;
use pb::orchestration_event::Kind;
use serde_json::json;

#[tokio::test]
async fn the_stream_starts_accepted_ends_completed_and_has_no_gaps() {
    let server = TestServer::start().await;
    let events = server
        .orchestrate(spec(vec![
            mock("research", &[], json!({"output": "Facts."})),
            mock(
                "summary",
                &["research"],
                json!({"output": "In short.", "confidence": 0.9}),
            ),
        ]))
        .await;
    assert_gapless(&events, 1);
    let Some(Kind::Accepted(accepted)) = &events[0].kind else {
        panic!("first event is not accepted: {:?}", events[0]);
    };
    assert_eq!(accepted.run, 1);
    assert_eq!(accepted.wave_count, 2);
    let waves: Vec<(String, u32)> = accepted
        .plan
        .iter()
        .map(|t| (t.task_id.clone(), t.wave))
        .collect();
    assert_eq!(
        waves,
        [("research".to_owned(), 0), ("summary".to_owned(), 1)]
    );
    assert_eq!(accepted.review_criteria_id, "builtin:default");

    let orchestration_id = &events[0].orchestration_id;
    assert!(
        events
            .iter()
            .all(|e| &e.orchestration_id == orchestration_id)
    );
    let result = completed(&events);
    assert_eq!(result.state(), pb::OrchestrationState::Approved);
    assert_eq!(
        result.output,
        "## research\n\nFacts.\n\n## summary\n\nIn short.\n"
    );
    assert_eq!(result.tasks.len(), 2);
    assert_eq!(result.tasks[1].confidence, Some(0.9));
    assert_eq!(result.tasks[1].wave, 1);
    assert_eq!(result.runs, 1);
    let review = result.review.as_ref().expect("a decision");
    assert_eq!(review.verdict(), pb::ReviewVerdict::Approved);
    assert_eq!(result.decision_id, review.decision_id);
    assert_eq!(result.review_criteria_id, "builtin:default");
    assert!(result.total_duration.is_some());

    let kinds: Vec<&str> = events
        .iter()
        .map(|e| match &e.kind {
            Some(Kind::Accepted(_)) => "accepted",
            Some(Kind::Task(_)) => "task",
            Some(Kind::Review(_)) => "review",
            Some(Kind::StateChanged(_)) => "state",
            Some(Kind::Completed(_)) => "completed",
            None => "none",
        })
        .collect();
    assert_eq!(kinds[kinds.len() - 3..], ["review", "review", "completed"]);
    // Each task reports RUNNING before its terminal state.
    for name in ["research", "summary"] {
        let states: Vec<pb::TaskState> = task_updates(&events)
            .into_iter()
            .filter(|(id, ..)| id == name)
            .map(|(_, s, _)| s)
            .collect();
        assert_eq!(
            states,
            [pb::TaskState::Running, pb::TaskState::Succeeded],
            "{name}"
        );
    }
}

/// Orchestrate follows a new orchestration live from its first event, without the store; a
/// stream that outruns the live buffer (16 events) must fall back to the store and still miss
/// nothing.
#[tokio::test]
async fn a_stream_longer_than_the_live_buffer_misses_nothing() {
    let server = TestServer::start().await;
    let tasks = (0..120)
        .map(|i| mock(&format!("t{i}"), &[], json!({"output": "part"})))
        .collect();
    let events = server.orchestrate(spec(tasks)).await;
    assert_gapless(&events, 1);
    assert_eq!(
        task_updates(&events).len(),
        240,
        "RUNNING and SUCCEEDED of each"
    );
    assert_eq!(completed(&events).state(), pb::OrchestrationState::Approved);
    let replay =
        common::plans::replay(&mut server.orchestrator(), &events[0].orchestration_id).await;
    assert_eq!(replay, events, "what was streamed is what was stored");
}

/// The longest `grpc-timeout` there is (99999999H, about 11,000 years) is a valid deadline; the
/// orchestration that keeps it must stay readable.
#[tokio::test]
async fn the_longest_deadline_there_is_is_kept_and_readable() {
    let server = TestServer::start().await;
    let mut client = server.orchestrator();
    let mut request = tonic::Request::new(pb::OrchestrateRequest {
        request_id: String::new(),
        spec: Some(spec(vec![mock("only", &[], json!({"output": "fine"}))])),
    });
    request.set_timeout(Duration::from_secs(99_999_999 * 3600));
    let stream = client
        .orchestrate(request)
        .await
        .expect("accepted")
        .into_inner();
    let events = common::plans::collect(stream, |m| m.event).await;
    assert_eq!(completed(&events).state(), pb::OrchestrationState::Approved);
    let id = &events[0].orchestration_id;
    let stored = server.get(id).await;
    assert_eq!(stored.state(), pb::OrchestrationState::Approved);
}

#[tokio::test]
async fn independent_tasks_finish_in_about_the_longest_one() {
    let server = TestServer::start().await;
    let events = server
        .orchestrate(spec(vec![
            mock("a", &[], json!({"delay_ms": 200})),
            mock("b", &[], json!({"delay_ms": 100})),
            mock("c", &[], json!({"delay_ms": 300})),
        ]))
        .await;
    // All three started before any finished: they ran side by side.
    let first_done = ["a", "b", "c"]
        .iter()
        .map(|t| offset(&events, t, pb::TaskState::Succeeded))
        .min()
        .unwrap();
    for task in ["a", "b", "c"] {
        assert!(
            offset(&events, task, pb::TaskState::Running) < first_done,
            "{task} waited"
        );
    }
    // By the server's clock the last one ends near 300 ms; one after another would be 600 ms.
    let last_done = offset(&events, "c", pb::TaskState::Succeeded);
    assert!(last_done >= Duration::from_millis(300), "{last_done:?}");
    assert!(
        last_done < Duration::from_millis(600),
        "not parallel: {last_done:?}"
    );
    assert!(
        offset(&events, "b", pb::TaskState::Succeeded)
            < offset(&events, "a", pb::TaskState::Succeeded)
    );
    assert!(offset(&events, "a", pb::TaskState::Succeeded) < last_done);
}

#[tokio::test]
async fn a_task_starts_when_its_own_dependencies_are_done_not_its_wave() {
    let server = TestServer::start().await;
    let events = server
        .orchestrate(spec(vec![
            mock("a", &[], json!({"delay_ms": 100})),
            mock("b", &[], json!({"delay_ms": 300})),
            mock("c", &["a"], json!({"delay_ms": 10})),
        ]))
        .await;
    let c_started = offset(&events, "c", pb::TaskState::Running);
    let a_done = offset(&events, "a", pb::TaskState::Succeeded);
    let b_done = offset(&events, "b", pb::TaskState::Succeeded);
    assert!(
        c_started >= a_done,
        "C started before its dependency: {c_started:?} < {a_done:?}"
    );
    assert!(c_started >= Duration::from_millis(100), "{c_started:?}");
    assert!(
        c_started < b_done,
        "C waited for B, which it does not depend on: started {c_started:?}, B done {b_done:?}"
    );
}

#[tokio::test]
async fn a_failure_is_isolated_its_dependents_skipped_and_partial_results_reviewed() {
    let server = TestServer::start().await;
    let events = server
        .orchestrate(spec(vec![
            mock("broken", &[], json!({"fail_attempts": 5, "error": "fatal"})),
            mock(
                "fine",
                &[],
                json!({"delay_ms": 50, "output": "Still here."}),
            ),
            mock("child", &["broken"], json!({})),
            mock("grandchild", &["child"], json!({})),
        ]))
        .await;
    let result = completed(&events);
    let states: Vec<(String, pb::TaskState)> = result
        .tasks
        .iter()
        .map(|t| (t.task_id.clone(), t.state()))
        .collect();
    assert_eq!(
        states,
        [
            ("broken".to_owned(), pb::TaskState::Failed),
            ("fine".to_owned(), pb::TaskState::Succeeded),
            ("child".to_owned(), pb::TaskState::Skipped),
            ("grandchild".to_owned(), pb::TaskState::Skipped),
        ]
    );
    assert_eq!(result.tasks[0].attempts, 1, "fatal errors are not retried");
    assert!(
        result.tasks[0].error.contains("mock failure"),
        "{}",
        result.tasks[0].error
    );
    assert_eq!(result.tasks[2].error, "dependency 'broken' failed");
    assert_eq!(result.tasks[3].error, "dependency 'child' skipped");
    // The built-in criteria require nothing, so the partial output is approved, with notes.
    assert_eq!(result.state(), pb::OrchestrationState::Approved);
    assert_eq!(result.output, "## fine\n\nStill here.\n");
    let review = result.review.as_ref().unwrap();
    assert!(
        review
            .issues
            .iter()
            .any(|i| i.kind() == pb::IssueKind::TaskFailed && i.task_id == "broken")
    );
}

#[tokio::test]
async fn retries_back_off_exponentially_and_report_each_wait() {
    let server = TestServer::start().await;
    let mut flaky = mock("flaky", &[], json!({"fail_attempts": 3}));
    flaky.retry_policy = Some(exact_retries(3, 50));
    let events = server.orchestrate(spec(vec![flaky])).await;
    let result = completed(&events);
    assert_eq!(result.tasks[0].state(), pb::TaskState::Succeeded);
    assert_eq!(result.tasks[0].attempts, 4);
    let waits: Vec<u128> = task_updates(&events)
        .into_iter()
        .filter(|(_, state, _)| *state == pb::TaskState::Retrying)
        .map(|(_, _, event)| match &event.kind {
            Some(Kind::Task(update)) => {
                let retry_in = update.retry_in.as_ref().expect("RETRYING says when");
                assert!(update.error.contains("mock failure"));
                Duration::new(retry_in.seconds as u64, retry_in.nanos as u32).as_millis()
            }
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(waits, [50, 100, 200]);
    // The attempts really waited: the third started at least 150 ms after the first.
    let runs: Vec<&pb::OrchestrationEvent> = task_updates(&events)
        .into_iter()
        .filter(|(_, state, _)| *state == pb::TaskState::Running)
        .map(|(_, _, event)| event)
        .collect();
    assert_eq!(runs.len(), 4);
}

#[tokio::test]
async fn max_retries_zero_means_a_single_attempt() {
    let server = TestServer::start().await;
    let mut once = mock("once", &[], json!({"fail_attempts": 1}));
    once.retry_policy = Some(exact_retries(0, 10));
    let result = server.orchestrate(spec(vec![once])).await;
    let result = completed(&result);
    assert_eq!(result.tasks[0].state(), pb::TaskState::Failed);
    assert_eq!(result.tasks[0].attempts, 1);
}

#[tokio::test]
async fn a_task_whose_last_attempt_timed_out_ends_timed_out() {
    let server = TestServer::start().await;
    let mut slow = mock("slow", &[], json!({"delay_ms": 5000}));
    slow.timeout = Some(common::plans::duration(Duration::from_millis(100)));
    slow.retry_policy = Some(exact_retries(1, 10));
    let started = std::time::Instant::now();
    let events = server.orchestrate(spec(vec![slow])).await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let result = completed(&events);
    assert_eq!(result.tasks[0].state(), pb::TaskState::TimedOut);
    assert_eq!(result.tasks[0].attempts, 2);
    assert!(
        result.tasks[0].error.contains("timed out after 100ms"),
        "{}",
        result.tasks[0].error
    );
}

#[tokio::test]
async fn templates_pass_outputs_along_and_echo_returns_its_input() {
    let server = TestServer::start().await;
    let mut summary = task("summary", "echo", &["facts"], json!({}));
    summary.input = "About {{input}}: {{tasks.facts.output}}".into();
    let events = server
        .orchestrate(spec(vec![
            mock("facts", &[], json!({"output": "water is wet"})),
            summary,
        ]))
        .await;
    let result = completed(&events);
    assert_eq!(result.tasks[1].output, "About the question: water is wet");
}

#[tokio::test]
async fn oversized_outputs_are_cut_and_flagged() {
    let mut settings = orchestrator::config::Settings::default();
    settings.engine.max_output_bytes = 10;
    let server = TestServer::start_with(settings).await;
    let events = server
        .orchestrate(spec(vec![mock(
            "big",
            &[],
            json!({"output": "0123456789ABCDEF"}),
        )]))
        .await;
    let result = completed(&events);
    assert_eq!(result.tasks[0].output, "0123456789");
    assert!(result.tasks[0].output_truncated);
}

#[tokio::test]
async fn outputs_leave_only_redacted() {
    let server = TestServer::start().await;
    let events = server
        .orchestrate(spec(vec![mock(
            "contact",
            &[],
            json!({"output": "Reach ana@example.com or 4111 1111 1111 1111."}),
        )]))
        .await;
    let result = completed(&events);
    assert_eq!(
        result.output,
        "## contact\n\nReach [EMAIL] or [CREDIT_CARD].\n"
    );
    assert_eq!(result.tasks[0].output, "Reach [EMAIL] or [CREDIT_CARD].");
    let rendered = format!("{events:?}");
    assert!(
        !rendered.contains("ana@example.com"),
        "no event carries the raw value"
    );
}
