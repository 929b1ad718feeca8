//! The operator's view: grpcurl, a third-party client that knows nothing of this project but
//! what reflection tells it, against the built binary. The README's grpcurl examples are run
//! exactly as printed (with the test server's address).

mod common;

use std::process::Output;

use common::process::ServerProcess;
use common::tools::python_tool;

const README: &str = include_str!("../README.md");
const README_ADDRESS: &str = "127.0.0.1:50051";

async fn grpcurl_shell(command_line: &str) -> Output {
    let grpcurl = python_tool("grpcurl");
    let bin_dir = grpcurl.parent().expect("venv bin dir");
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    tokio::process::Command::new("sh")
        .args(["-c", command_line])
        .env("PATH", path)
        .output()
        .await
        .expect("run grpcurl")
}

/// Runs `grpcurl -plaintext <flags> <addr> <args>`.
async fn grpcurl(flags: &[&str], addr: &str, args: &[&str]) -> Output {
    tokio::process::Command::new(python_tool("grpcurl"))
        .arg("-plaintext")
        .args(flags)
        .arg(addr)
        .args(args)
        .output()
        .await
        .expect("run grpcurl")
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "grpcurl failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn lists_services_and_checks_health_through_reflection() {
    let server = ServerProcess::start(&[]).await;
    let addr = server.addr.to_string();

    let listed = stdout(&grpcurl(&[], &addr, &["list"]).await);
    for service in [
        "grpc.health.v1.Health",
        "orchestrator.v1.OrchestratorService",
        "orchestrator.v1.ReviewCriteriaService",
    ] {
        assert!(listed.lines().any(|line| line == service), "{listed}");
    }

    let health = stdout(&grpcurl(&[], &addr, &["grpc.health.v1.Health/Check"]).await);
    assert!(health.contains("\"SERVING\""), "{health}");

    let described = stdout(&grpcurl(&[], &addr, &["describe", "orchestrator.v1.TaskSpec"]).await);
    assert!(
        described.contains("repeated string depends_on"),
        "{described}"
    );
}

#[tokio::test]
async fn grpcurl_runs_an_orchestration_and_sees_bad_input_refused() {
    let server = ServerProcess::start(&[]).await;
    let addr = server.addr.to_string();
    let plan = r#"{"spec": {"input": "Q3", "tasks": [
        {"id": "facts", "agent": "mock", "params": {"delay_ms": 20, "output": "Revenue grew."}},
        {"id": "summary", "agent": "echo", "input": "Summary of {{tasks.facts.output}}", "depends_on": ["facts"]}]}}"#;
    let streamed = stdout(
        &grpcurl(
            &["-d", plan],
            &addr,
            &["orchestrator.v1.OrchestratorService/Orchestrate"],
        )
        .await,
    );
    assert!(streamed.contains("\"accepted\""), "{streamed}");
    assert!(
        streamed.contains("ORCHESTRATION_STATE_APPROVED"),
        "{streamed}"
    );
    assert!(streamed.contains("Summary of Revenue grew."), "{streamed}");

    let cyclic = r#"{"spec": {"tasks": [{"id": "a", "agent": "mock", "depends_on": ["a"]}]}}"#;
    let output = grpcurl(
        &["-d", cyclic],
        &addr,
        &["orchestrator.v1.OrchestratorService/SubmitOrchestration"],
    )
    .await;
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("Code: InvalidArgument"), "{stderr}");
    assert!(stderr.contains("spec.tasks[0].depends_on[0]"), "{stderr}");
}

/// The command lines of the README's grpcurl example block.
fn readme_examples() -> Vec<&'static str> {
    let start = README
        .find("<!-- grpcurl-examples -->")
        .expect("README marks its grpcurl examples");
    let block = &README[start..];
    let body_start = block.find("```sh\n").expect("a sh code block") + "```sh\n".len();
    let body = &block[body_start..];
    let body = &body[..body.find("```").expect("the code block ends")];
    body.lines()
        .map(str::trim)
        .filter(|line| line.starts_with("grpcurl "))
        .collect()
}

#[tokio::test]
async fn the_readme_grpcurl_examples_work_as_printed() {
    let examples = readme_examples();
    assert!(examples.len() >= 3, "{examples:?}");
    let server = ServerProcess::start(&[]).await;
    // Twice: a reader runs them again, and none may then fail (ALREADY_EXISTS, say).
    for example in examples.iter().chain(&examples) {
        assert!(example.contains(README_ADDRESS), "{example}");
        let command_line = example.replace(README_ADDRESS, &server.addr.to_string());
        let output = grpcurl_shell(&command_line).await;
        let printed = stdout(&output);
        assert!(!printed.trim().is_empty(), "{example} printed nothing");
        if example.contains("EvaluateReview") {
            // What the README says this call shows.
            for expected in [
                "REVIEW_VERDICT_REJECTED",
                "ISSUE_KIND_MISSING_SECTION",
                "no-guarantees",
                "[EMAIL]",
                "[PHONE]",
            ] {
                assert!(
                    printed.contains(expected),
                    "{expected} missing from {printed}"
                );
            }
            assert!(!printed.contains("ana@example.com"), "{printed}");
        }
        if example.contains("OrchestratorService/Orchestrate") {
            assert!(
                printed.contains("ORCHESTRATION_STATE_APPROVED"),
                "{printed}"
            );
            assert!(printed.contains("In short: Revenue grew."), "{printed}");
        }
    }
}
