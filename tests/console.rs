//! The web console in a real browser: headless Chromium driven through selenium
//! (tests/console/drive.py) against a real server on 127.0.0.1, as a person would use it. Each
//! scenario saves a screenshot under target/console-screenshots/.

mod common;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use common::TestServer;
use common::http_peer::{HttpPeer, chat_completion};
use common::keys::Keyring;
use common::plans::{exact_retries, mock, spec, task};
use orchestrator::api::pb;
use orchestrator::auth::Role;
use orchestrator::config::{AgentSettings, Settings};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};

fn screenshots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target/tmp has a parent")
        .join("console-screenshots");
    std::fs::create_dir_all(&dir).expect("create the screenshot dir");
    dir
}

/// The driver for `scenario`, with `args` as `--arg k=v`.
fn driver(server: &TestServer, scenario: &str, args: &[(&str, &str)]) -> tokio::process::Command {
    let python = common::tools::python_tool("python");
    let mut command = tokio::process::Command::new(python);
    command
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/console/drive.py"
        ))
        .arg(scenario)
        .arg("--url")
        .arg(format!("http://{}", server.addr))
        .arg("--shots")
        .arg(screenshots())
        .arg("--chromium")
        .arg(common::tools::chromium())
        .arg("--chromedriver")
        .arg(common::tools::chromedriver())
        .kill_on_drop(true);
    for (key, value) in args {
        command.arg("--arg").arg(format!("{key}={value}"));
    }
    command
}

/// Runs `scenario` to its end; what it observed.
async fn drive(server: &TestServer, scenario: &str, args: &[(&str, &str)]) -> Value {
    let output = tokio::time::timeout(
        Duration::from_secs(240),
        driver(server, scenario, args).output(),
    )
    .await
    .expect("the browser scenario finishes")
    .expect("run the browser driver");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{scenario} failed:\n{}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    let observed: Value = stdout
        .lines()
        .last()
        .and_then(|line| serde_json::from_str(line).ok())
        .unwrap_or_else(|| panic!("{scenario} printed no observation: {stdout}"));
    assert_eq!(
        observed["console_errors"],
        json!([]),
        "the page logged errors"
    );
    observed
}

/// A scenario that stops halfway, so that the test can act behind the page's back: it prints
/// what it saw and waits for a line on its stdin.
struct Paused {
    browser: tokio::process::Child,
    lines: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
}

impl Paused {
    /// Starts `scenario` and waits for it to pause; what it printed then.
    async fn start(server: &TestServer, scenario: &str, args: &[(&str, &str)]) -> (Self, Value) {
        let mut browser = driver(server, scenario, args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the browser driver");
        let mut lines = BufReader::new(browser.stdout.take().expect("piped stdout")).lines();
        let paused = tokio::time::timeout(Duration::from_secs(120), lines.next_line())
            .await
            .unwrap_or_else(|_| panic!("{scenario} never paused"))
            .expect("read the driver's output")
            .unwrap_or_default();
        let seen = serde_json::from_str(&paused)
            .unwrap_or_else(|_| panic!("{scenario} paused without an observation: {paused}"));
        (Self { browser, lines }, seen)
    }

    /// Lets the scenario go on to its end; what it observed.
    async fn finish(mut self) -> Value {
        let mut stdin = self.browser.stdin.take().expect("piped stdin");
        stdin.write_all(b"go\n").await.expect("resume the driver");
        let output =
            tokio::time::timeout(Duration::from_secs(120), self.browser.wait_with_output())
                .await
                .expect("the scenario finishes")
                .expect("wait for the driver");
        let mut last = String::new();
        while let Ok(Some(line)) = self.lines.next_line().await {
            last = line;
        }
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_str(&last).unwrap_or_else(|_| panic!("no observation: {last}"))
    }
}

#[tokio::test]
async fn the_list_shows_a_submitted_orchestration_finds_it_by_request_id_and_switches_tenant() {
    let server = TestServer::start().await;
    let id = server
        .submit_in(
            "default",
            "report-42",
            spec(vec![mock("a", &[], json!({}))]),
        )
        .await
        .orchestration_id;
    let elsewhere = server
        .submit_in("acme", "", spec(vec![mock("a", &[], json!({}))]))
        .await
        .orchestration_id;
    let observed = drive(
        &server,
        "list",
        &[
            ("id", &id),
            ("request_id", "report-42"),
            ("other_tenant", "acme"),
            ("other_id", &elsewhere),
        ],
    )
    .await;
    assert_eq!(
        observed["other_tenant_rows"],
        json!([elsewhere]),
        "after switching, only the other tenant's: {observed}"
    );
    assert!(
        observed["who"].as_str().unwrap().contains("acme"),
        "{observed}"
    );
    assert!(
        observed["row"].as_str().unwrap().contains("report-42"),
        "{observed}"
    );
    assert!(
        observed["opened"]
            .as_str()
            .unwrap()
            .ends_with(&format!("#/orchestrations/{id}")),
        "{observed}"
    );
}

#[tokio::test]
async fn a_page_follows_its_run_live_to_approved() {
    // A model that reports its token usage, for the `writer` task.
    let model = HttpPeer::start(|_, _| (200, chat_completion("written"))).await;
    let mut settings = Settings::default();
    let writer: AgentSettings = toml::from_str(&format!(
        "kind = \"openai\"\nbase_url = \"{}\"\nmodel = \"m\"\n",
        model.url("/v1")
    ))
    .unwrap();
    settings.agents.insert("writer".into(), writer);
    let server = TestServer::start_with(settings).await;
    let tasks = vec![
        mock(
            "research",
            &[],
            json!({"delay_ms": 1500, "output": "facts"}),
        ),
        pb::TaskSpec {
            retry_policy: Some(exact_retries(2, 300)),
            ..mock(
                "flaky",
                &[],
                json!({"delay_ms": 400, "fail_attempts": 1, "output": "ok"}),
            )
        },
        mock("draft", &["research", "flaky"], json!({"delay_ms": 700})),
        mock("check", &["research"], json!({"delay_ms": 300})),
        mock("final", &["draft", "check"], json!({"delay_ms": 300})),
        task("summary", "writer", &["final"], json!({})),
    ];
    let id = server.submit(spec(tasks)).await;
    let observed = drive(&server, "live", &[("id", &id)]).await;
    let all = ["research", "flaky", "draft", "check", "final", "summary"];
    assert_eq!(observed["dag_tasks"], json!(all), "{observed}");
    assert_eq!(observed["table_tasks"], json!(all), "{observed}");
    assert_ne!(
        observed["first_state"], "APPROVED",
        "the page opened while the run was still going: {observed}"
    );
    let seen = observed["states_seen"].as_array().unwrap();
    assert_eq!(seen.last().unwrap(), "APPROVED", "{observed}");
    assert!(seen.len() >= 2, "the state changed on the page: {observed}");
    assert!(
        observed["output"].as_str().unwrap().contains("## research"),
        "{observed}"
    );
    assert_eq!(
        observed["summary_tokens"], "21 / 7",
        "the model's token usage: {observed}"
    );
    let flaky = observed["flaky_attempts"].as_str().unwrap();
    assert!(
        flaky.contains("failed") && flaky.contains("succeeded") && flaky.contains("waited"),
        "each attempt of the retried task is listed: {observed}"
    );
}

#[tokio::test]
async fn an_escalation_is_approved_from_the_queue_in_the_reviewers_name() {
    let mut settings = Settings::default();
    let mut keys = Keyring::default();
    keys.add(&mut settings, "ops", "acme", &[Role::Admin]);
    keys.add(&mut settings, "ana", "acme", &[Role::Reviewer]);
    let server = TestServer::start_with(settings).await;
    let criteria = pb::ReviewCriteria {
        id: "human".into(),
        policies: vec![pb::PolicyRule {
            id: "no-drafts".into(),
            r#match: Some(pb::policy_rule::Match::Pattern("DRAFT".into())),
            remediation: "Finish the text.".into(),
            ..Default::default()
        }],
        reject_action: pb::RejectAction::Escalate as i32,
        ..Default::default()
    };
    keys.create_criteria(&server, "ops", criteria).await;
    let escalating = pb::OrchestrationSpec {
        review_criteria_id: "human".into(),
        ..spec(vec![mock(
            "t",
            &[],
            json!({"output": "DRAFT for ana@example.com"}),
        )])
    };
    let id = keys.submit(&server, "ops", escalating).await;
    keys.wait_until(&server, "ops", &id, |r| {
        r.state() == pb::OrchestrationState::AwaitingHuman
    })
    .await;

    let observed = drive(
        &server,
        "escalation",
        &[
            ("id", &id),
            ("token", keys.key("ana")),
            ("comment", "Checked by hand"),
        ],
    )
    .await;
    let under_review = observed["under_review"].as_str().unwrap();
    assert!(
        under_review.contains("DRAFT") && !under_review.contains("ana@example.com"),
        "the reviewer reads the redacted output: {observed}"
    );
    let result = keys.get(&server, "ops", &id).await;
    assert_eq!(result.state(), pb::OrchestrationState::Approved);
    let decision = result.review.unwrap();
    assert_eq!(decision.reviewer, "human:ana");
    assert!(
        decision.feedback.contains("Checked by hand"),
        "{decision:?}"
    );
}

#[tokio::test]
async fn saving_criteria_edited_from_a_stale_version_shows_the_conflict() {
    let server = TestServer::start().await;
    let criteria = pb::ReviewCriteria {
        id: "house-style".into(),
        display_name: "House style".into(),
        ..Default::default()
    };
    let created = server
        .criteria()
        .create_review_criteria(pb::CreateReviewCriteriaRequest {
            criteria: Some(criteria),
        })
        .await
        .unwrap()
        .into_inner()
        .criteria
        .unwrap();
    let (browser, opened) = Paused::start(
        &server,
        "conflict",
        &[
            ("id", "house-style"),
            ("display_name", "Edited in the browser"),
        ],
    )
    .await;
    assert_eq!(opened["opened"], "version 1", "{opened}");
    // Someone else saves while the page is open.
    server
        .criteria()
        .update_review_criteria(pb::UpdateReviewCriteriaRequest {
            criteria: Some(pb::ReviewCriteria {
                display_name: "Changed elsewhere".into(),
                ..created
            }),
        })
        .await
        .unwrap();
    let observed = browser.finish().await;
    let conflict = observed["conflict"].as_str().unwrap();
    assert!(
        conflict.contains("version 1") && conflict.contains("version 2"),
        "{observed}"
    );
    assert_eq!(observed["kept"], true, "the edit is not lost: {observed}");
    let stored = server
        .criteria()
        .get_review_criteria(pb::GetReviewCriteriaRequest {
            id: "house-style".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .criteria
        .unwrap();
    assert_eq!(
        (stored.version, stored.display_name.as_str()),
        (2, "Changed elsewhere"),
        "nothing was overwritten"
    );
}

/// Criteria made from the editor's template exist in the API; deleted after a confirmation,
/// they are gone.
#[tokio::test]
async fn criteria_are_created_and_deleted_from_the_page() {
    let server = TestServer::start().await;
    let (browser, created) =
        Paused::start(&server, "criteria-lifecycle", &[("id", "made-here")]).await;
    assert_eq!(created["created"]["id"], "made-here", "{created}");
    let stored = server
        .criteria()
        .get_review_criteria(pb::GetReviewCriteriaRequest {
            id: "made-here".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .criteria
        .unwrap();
    assert_eq!(
        (stored.version, stored.display_name.as_str()),
        (1, "Made in the browser")
    );
    let observed = browser.finish().await;
    assert!(
        !observed["listed_after"]
            .as_array()
            .unwrap()
            .contains(&json!("made-here")),
        "{observed}"
    );
    let gone = server
        .criteria()
        .get_review_criteria(pb::GetReviewCriteriaRequest {
            id: "made-here".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(gone.code(), tonic::Code::NotFound);
}

#[tokio::test]
async fn a_dry_run_shows_the_redacted_text_beside_the_issues() {
    let server = TestServer::start().await;
    let observed = drive(
        &server,
        "dry-run",
        &[(
            "text",
            "## Summary\nWrite to jane.doe@example.com for the numbers.",
        )],
    )
    .await;
    let redacted = observed["redacted"].as_str().unwrap();
    assert!(
        redacted.contains("[EMAIL]") && !redacted.contains("jane.doe@example.com"),
        "{observed}"
    );
    assert!(
        observed["decision"].as_str().unwrap().contains("EMAIL: 1"),
        "{observed}"
    );
    // Each finding is located in the pasted text, without its value.
    let findings = observed["findings"].as_str().unwrap();
    assert!(
        findings.contains("EMAIL\temail\tline 2, column 10 (bytes 20–40)")
            && !findings.contains("jane.doe"),
        "{observed}"
    );
}

#[tokio::test]
async fn a_cancel_from_the_page_ends_the_orchestration_cancelled() {
    let server = TestServer::start().await;
    let id = server
        .submit(spec(vec![mock("slow", &[], json!({"delay_ms": 60_000}))]))
        .await;
    let observed = drive(&server, "cancel", &[("id", &id)]).await;
    assert_eq!(observed["state"], "CANCELLED", "{observed}");
    assert!(
        observed["question"].as_str().unwrap().contains("Cancel"),
        "{observed}"
    );
    assert_eq!(
        server.get(&id).await.state(),
        pb::OrchestrationState::Cancelled
    );
}

/// A viewer reads everything and is offered nothing its role does not allow.
#[tokio::test]
async fn a_viewer_is_not_offered_what_its_role_does_not_allow() {
    let mut settings = Settings::default();
    let mut keys = Keyring::default();
    keys.add(&mut settings, "ops", "acme", &[Role::Admin]);
    keys.add(&mut settings, "val", "acme", &[Role::Viewer]);
    let server = TestServer::start_with(settings).await;
    let criteria = pb::ReviewCriteria {
        id: "house-style".into(),
        ..Default::default()
    };
    keys.create_criteria(&server, "ops", criteria).await;
    let slow = spec(vec![mock("slow", &[], json!({"delay_ms": 60_000}))]);
    let id = keys.submit(&server, "ops", slow).await;
    let observed = drive(
        &server,
        "viewer",
        &[
            ("id", &id),
            ("criteria", "house-style"),
            ("token", keys.key("val")),
        ],
    )
    .await;
    assert_eq!(
        observed["offered"],
        json!({"cancel": false, "new_criteria": false, "save": false, "editable": false, "approve": false}),
        "{observed}"
    );
    assert!(
        observed["who"].as_str().unwrap().contains("val"),
        "{observed}"
    );
}

/// axe-core finds no WCAG 2.1 A or AA violation on any page (labels, contrast, roles, names),
/// and the list leads to an orchestration with the keyboard alone.
#[tokio::test]
async fn every_page_passes_an_accessibility_audit_and_works_from_the_keyboard() {
    let mut settings = Settings::default();
    let mut keys = Keyring::default();
    keys.add(&mut settings, "ops", "default", &[Role::Admin]);
    let server = TestServer::start_with(settings).await;
    let id = server
        .orchestrator()
        .orchestrate(keys.request(
            "ops",
            pb::OrchestrateRequest {
                request_id: String::new(),
                spec: Some(spec(vec![
                    mock("a", &[], json!({"output": "mail jane.doe@example.com"})),
                    mock("b", &["a"], json!({})),
                ])),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .message()
        .await
        .unwrap()
        .and_then(|first| first.event)
        .map(|event| event.orchestration_id)
        .expect("the accepted event");
    let axe = common::tools::axe_core();
    let observed = drive(
        &server,
        "accessible",
        &[
            ("id", &id),
            ("axe", axe.to_str().unwrap()),
            ("token", keys.key("ops")),
        ],
    )
    .await;
    assert_eq!(observed["violations"], json!([]), "{observed}");
}

/// 256 tasks in 16 waves, each failing once before it succeeds: over 1,000 events while the
/// page is open. Prints the figures the README reports; asserts only generous bounds.
#[tokio::test]
async fn a_256_task_page_renders_fast_and_stays_responsive_while_events_stream() {
    let server = TestServer::start().await;
    let mut tasks = Vec::new();
    for wave in 0..16 {
        for lane in 0..16 {
            let id = format!("w{wave:02}-t{lane:02}");
            let before = format!("w{:02}-t{lane:02}", wave.max(1) - 1);
            let depends: Vec<&str> = if wave == 0 { vec![] } else { vec![&before] };
            tasks.push(pb::TaskSpec {
                retry_policy: Some(exact_retries(2, 100)),
                ..mock(
                    &id,
                    &depends,
                    json!({"delay_ms": 150, "fail_attempts": 1, "output": "ok"}),
                )
            });
        }
    }
    let id = server
        .submit(pb::OrchestrationSpec {
            max_parallelism: 64,
            ..spec(tasks)
        })
        .await;
    let observed = drive(
        &server,
        "big-page",
        &[("id", &id), ("tasks", "256"), ("min_events", "1000")],
    )
    .await;
    println!("256-task page: {observed}");
    let events = observed["events"].as_u64().unwrap();
    assert!(events >= 1000, "{observed}");
    let rendered = observed["rendered_ms"].as_f64().unwrap();
    assert!(rendered < 10_000.0, "{observed}");
    let lateness = observed["max_timer_lateness_ms"].as_f64().unwrap();
    assert!(lateness < 2_000.0, "the page froze: {observed}");
}
