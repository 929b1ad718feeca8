//! The CLI client against the real binary: `run --follow` on the example plans, `watch`,
//! exit codes, and bad plans.

mod common;

use std::process::Output;

use common::process::{BINARY, ServerProcess, cli_command, without_our_variables};

fn cli(server: &ServerProcess, args: &[&str]) -> Output {
    cli_command()
        .args(args)
        .args(["--server", &format!("http://{}", server.addr)])
        .output()
        .expect("run the CLI")
}

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn run_follow_shows_progress_and_the_decision() {
    let server = ServerProcess::start(&[]).await;
    let output = cli(
        &server,
        &["run", "examples/plans/research-report.yaml", "--follow"],
    );
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    // Not a terminal: one plain line per event.
    assert!(stdout.contains("run 1 of orch-"), "{stdout}");
    assert!(stdout.contains("4 tasks in 2 waves"), "{stdout}");
    assert!(stdout.contains("task revenue running"), "{stdout}");
    assert!(stdout.contains("task summary succeeded"), "{stdout}");
    assert!(
        stdout.contains("review decided: APPROVED by rules"),
        "{stdout}"
    );
    assert!(stdout.contains("APPROVED after 1 run(s)"), "{stdout}");
    assert!(stdout.contains("## Summary"), "{stdout}");
    assert!(stderr.contains("orchestration orch-"), "{stderr}");
}

#[tokio::test]
async fn failures_are_shown_and_the_partial_result_still_reviewed() {
    let server = ServerProcess::start(&[]).await;
    let output = cli(
        &server,
        &["run", "examples/plans/flaky-and-failing.yaml", "--follow"],
    );
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("task flaky retrying (attempt 1)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("task flaky succeeded (attempt 3)"),
        "{stdout}"
    );
    assert!(stdout.contains("task broken failed"), "{stdout}");
    assert!(
        stdout.contains("task depends-on-broken skipped"),
        "{stdout}"
    );
    assert!(stdout.contains("dependency 'broken' failed"), "{stdout}");
    assert!(
        stdout.contains("task slow timed out (attempt 2)"),
        "{stdout}"
    );
    assert!(stdout.contains("MINOR TASK_FAILED"), "{stdout}");
}

#[tokio::test]
async fn redaction_example_shows_no_sensitive_value() {
    let server = ServerProcess::start(&[]).await;
    let output = cli(
        &server,
        &["run", "examples/plans/redaction.yaml", "--follow"],
    );
    let (stdout, _) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    for secret in [
        "ana.lima@example.com",
        "415-555-0132",
        "4111 1111 1111 1111",
        "AKIAIOSFODNN7EXAMPLE",
    ] {
        assert!(!stdout.contains(secret), "{secret} leaked: {stdout}");
    }
    for label in ["[EMAIL]", "[PHONE]", "[CREDIT_CARD]", "[SECRET]"] {
        assert!(stdout.contains(label), "{label} missing: {stdout}");
    }
    assert!(
        stdout.contains("ORD-2024-000123"),
        "order numbers stay: {stdout}"
    );
}

#[tokio::test]
async fn run_without_follow_prints_the_id_and_watch_follows_it() {
    let server = ServerProcess::start(&[]).await;
    let output = cli(
        &server,
        &[
            "run",
            "examples/plans/research-report.yaml",
            "--request-id",
            "weekly-1",
        ],
    );
    let (stdout, _) = text(&output);
    assert_eq!(output.status.code(), Some(0));
    let id = stdout.trim().to_owned();
    assert!(id.starts_with("orch-"), "{stdout}");

    let again = cli(
        &server,
        &[
            "run",
            "examples/plans/research-report.yaml",
            "--request-id",
            "weekly-1",
        ],
    );
    let (stdout_again, stderr_again) = text(&again);
    assert_eq!(stdout_again.trim(), id);
    assert!(stderr_again.contains("existing"), "{stderr_again}");

    let watched = cli(&server, &["watch", &id]);
    let (stdout, _) = text(&watched);
    assert_eq!(watched.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("APPROVED after 1 run(s)"), "{stdout}");
}

#[tokio::test]
async fn bad_plans_exit_2_with_what_is_wrong() {
    let server = ServerProcess::start(&[]).await;
    let dir = tempfile::tempdir().unwrap();
    let cyclic = dir.path().join("cyclic.yaml");
    std::fs::write(&cyclic, "tasks:\n  - {id: a, agent: mock, depends_on: [b]}\n  - {id: b, agent: mock, depends_on: [a]}\n").unwrap();
    let output = cli(&server, &["run", cyclic.to_str().unwrap()]);
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr.contains("InvalidArgument"), "{stderr}");
    assert!(
        stderr.contains("spec.tasks[0].depends_on: dependency cycle: a → b → a"),
        "{stderr}"
    );

    let typo = dir.path().join("typo.yaml");
    std::fs::write(&typo, "tasks:\n  - {id: a, agnet: mock}\n").unwrap();
    let output = cli(&server, &["run", typo.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output).1.contains("agnet"));

    let missing = cli(&server, &["watch", "orch-nope"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing).1.contains("NotFound"));
}

/// `run --follow` in a pseudo-terminal (util-linux `script`, in every Debian), as a person sees
/// it.
fn on_a_terminal(server: &ServerProcess, term: &str) -> String {
    // Quoted for the shell `script` runs the command with.
    let command = format!(
        "'{}' run examples/plans/research-report.yaml --follow --server {}",
        BINARY.replace('\'', r"'\''"),
        server.addr
    );
    let output = without_our_variables(&mut std::process::Command::new("script"))
        .args(["--quiet", "--return", "--command", &command, "/dev/null"])
        .env("TERM", term)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run script(1)");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(output.status.code(), Some(0), "{text}");
    // Each control sequence (cursor moves, line clears) as a line break: what is left are the
    // texts the terminal showed.
    let controls = regex::Regex::new(r"\x1b\[[0-9;?]*[A-Za-z]").unwrap();
    controls.replace_all(&text, "\n").into_owned()
}

/// A terminal that cannot redraw gets the plain lines, not nothing.
#[tokio::test]
async fn a_dumb_terminal_still_shows_the_progress() {
    let server = ServerProcess::start(&[]).await;
    let text = on_a_terminal(&server, "dumb");
    assert!(text.contains("run 1 of orch-"), "{text}");
    assert!(text.contains("task revenue succeeded after"), "{text}");
    assert!(text.contains("APPROVED after 1 run(s)"), "{text}");
}

/// On a live terminal, an ended task's row shows one time: the server's duration, with no
/// clock of its own after it. (Rows fill the terminal's width and follow each other without a
/// line break, so a row ends where the next text starts. The plan's tasks take 0.3 to 0.9 s,
/// long enough for rows to be drawn before they end.)
#[tokio::test]
async fn a_live_row_shows_one_time() {
    let server = ServerProcess::start(&[]).await;
    let text = on_a_terminal(&server, "xterm");
    let ended = regex::Regex::new(r"✓ succeeded after \d+\.\d+s\s*(\S*)").unwrap();
    let clock = regex::Regex::new(r"^\d+s$").unwrap();
    let rows: Vec<_> = ended.captures_iter(&text).collect();
    assert!(!rows.is_empty(), "{text}");
    for row in rows {
        assert!(!clock.is_match(&row[1]), "{:?} in {text}", &row[0]);
    }
}
