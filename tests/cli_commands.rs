//! The CLI's everyday commands against the real binary: list, get, cancel, resolve, criteria,
//! plan validate and completions; outputs as tables, JSON and YAML; exit codes.

mod common;

use std::io::Write as _;
use std::process::{Output, Stdio};
use std::time::Duration;

use common::process::{ServerProcess, cli_command, printed};

/// The CLI against `server` as tenant acme.
fn cli(server: &ServerProcess, args: &[&str]) -> Output {
    cli_command()
        .args(args)
        .env("ORCHESTRATOR_CLIENT_SERVER", server.addr.to_string())
        .env("ORCHESTRATOR_CLIENT_TENANT", "acme")
        .output()
        .expect("run the CLI")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn file(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write a file");
    path.to_string_lossy().into_owned()
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("not JSON ({error}): {}", printed(output)))
}

const SLOW_PLAN: &str = "tasks:\n  - id: slow\n    agent: mock\n    params: {delay_ms: 60000}\n";
const QUICK_PLAN: &str = "tasks:\n  - id: quick\n    agent: echo\n    input: hello\n";

#[tokio::test]
async fn list_get_and_cancel() {
    let server = ServerProcess::start(&[]).await;
    let dir = tempfile::tempdir().unwrap();
    let slow = file(&dir, "slow.yaml", SLOW_PLAN);
    let submitted = cli(&server, &["run", &slow]);
    assert_eq!(submitted.status.code(), Some(0), "{}", printed(&submitted));
    let id = stdout(&submitted).trim().to_owned();

    let running = cli(&server, &["list", "--state", "running,pending"]);
    assert_eq!(running.status.code(), Some(0), "{}", printed(&running));
    let table = stdout(&running);
    assert!(table.starts_with("ID "), "{table}");
    assert!(table.contains(&id), "{table}");

    let got = json(&cli(&server, &["get", &id, "--output", "json"]));
    assert_eq!(got["orchestration"]["orchestration_id"], id.as_str());
    // Running, or still pending while its first events are on their way to the store.
    let state = got["orchestration"]["state"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        ["ORCHESTRATION_STATE_RUNNING", "ORCHESTRATION_STATE_PENDING"].contains(&state.as_str()),
        "{got}"
    );

    let cancelled = cli(&server, &["cancel", &id, "--reason", "not needed"]);
    assert_eq!(cancelled.status.code(), Some(0), "{}", printed(&cancelled));
    assert_eq!(stdout(&cancelled).trim(), format!("{id} CANCELLED"));

    let shown = cli(&server, &["get", &id]);
    let shown_text = stdout(&shown);
    assert!(shown_text.contains("state:"), "{shown_text}");
    assert!(shown_text.contains("CANCELLED"), "{shown_text}");
    assert!(shown_text.contains("slow"), "{shown_text}");
    let yaml: serde_json::Value =
        serde_norway::from_slice(&cli(&server, &["get", &id, "-o", "yaml"]).stdout).unwrap();
    assert_eq!(
        yaml["orchestration"]["state"],
        "ORCHESTRATION_STATE_CANCELLED"
    );

    // The state filter keeps the cancelled one and leaves it out of the approved ones.
    let cancelled = json(&cli(
        &server,
        &["list", "--state", "cancelled", "-o", "json"],
    ));
    assert_eq!(
        cancelled["orchestrations"][0]["orchestration_id"],
        id.as_str()
    );
    let approved = cli(&server, &["list", "--state", "approved", "-o", "json"]);
    assert_eq!(json(&approved).get("orchestrations"), None);

    let missing = cli(&server, &["get", "orch-nope"]);
    assert_eq!(missing.status.code(), Some(2), "{}", printed(&missing));
    assert!(
        printed(&missing).contains("NotFound"),
        "{}",
        printed(&missing)
    );
}

#[tokio::test]
async fn list_pages_through_with_the_printed_token() {
    let server = ServerProcess::start(&[]).await;
    let dir = tempfile::tempdir().unwrap();
    let quick = file(&dir, "quick.yaml", QUICK_PLAN);
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(stdout(&cli(&server, &["run", &quick])).trim().to_owned());
    }
    let first = cli(&server, &["list", "--page-size", "2"]);
    let stderr = String::from_utf8_lossy(&first.stderr).into_owned();
    let token = stderr
        .split("--page-token ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .unwrap_or_else(|| panic!("no page token in {stderr}"))
        .to_owned();
    let second = cli(
        &server,
        &["list", "--page-size", "2", "--page-token", &token],
    );
    let pages = stdout(&first) + &stdout(&second);
    // Newest first, each once, over both pages.
    for id in &ids {
        assert_eq!(pages.matches(id.as_str()).count(), 1, "{pages}");
    }
    assert!(pages.find(&ids[2]) < pages.find(&ids[0]), "{pages}");
    assert!(!String::from_utf8_lossy(&second.stderr).contains("--page-token"));
}

const ESCALATING: &str = "
id: needs-risks
display_name: Needs a Risks section
required_sections: [Risks]
reject_action: REJECT_ACTION_ESCALATE
";

/// `run --follow` at AWAITING_HUMAN says how to go on, and waits; `resolve` decides.
#[tokio::test]
async fn a_followed_escalation_says_how_to_resolve_it() {
    let server = ServerProcess::start(&[]).await;
    let created = cli(
        &server,
        &["criteria", "create", "examples/criteria/needs-risks.yaml"],
    );
    assert_eq!(created.status.code(), Some(0), "{}", printed(&created));

    let mut follow = cli_command();
    follow
        .args(["run", "examples/plans/escalation.yaml", "--follow"])
        .env("ORCHESTRATOR_CLIENT_SERVER", server.addr.to_string())
        .env("ORCHESTRATOR_CLIENT_TENANT", "acme");
    let mut follow = tokio::process::Command::from(follow)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout_pipe = follow.stdout.take().unwrap();
    let mut lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(stdout_pipe));
    let hint = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if line.contains("orchestrator resolve") {
                return line;
            }
        }
        panic!("the output ended without a hint");
    })
    .await
    .expect("a hint within 20 s");
    let id = hint
        .split("orchestrator resolve ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap()
        .to_owned();
    assert!(
        hint.contains(&format!("orchestrator get {id} --escalated")),
        "{hint}"
    );

    let escalated = cli(&server, &["get", &id, "--escalated"]);
    assert!(
        stdout(&escalated).contains("escalated output:"),
        "{}",
        printed(&escalated)
    );

    let resolved = cli(
        &server,
        &[
            "resolve",
            &id,
            "--approve",
            "--reviewer",
            "ana",
            "--comment",
            "fine as is",
        ],
    );
    assert_eq!(resolved.status.code(), Some(0), "{}", printed(&resolved));
    assert!(
        stdout(&resolved).contains("APPROVED by human:ana"),
        "{}",
        printed(&resolved)
    );

    let status = tokio::time::timeout(Duration::from_secs(20), follow.wait())
        .await
        .expect("run --follow ends after the decision")
        .unwrap();
    assert_eq!(status.code(), Some(0));

    let again = cli(&server, &["resolve", &id, "--reject", "--reviewer", "ana"]);
    assert_eq!(again.status.code(), Some(2), "{}", printed(&again));
    assert!(
        printed(&again).contains("not AWAITING_HUMAN"),
        "{}",
        printed(&again)
    );
    let neither = cli(&server, &["resolve", &id]);
    assert_eq!(neither.status.code(), Some(2), "{}", printed(&neither));
    assert!(
        printed(&neither).contains("--approve"),
        "{}",
        printed(&neither)
    );
}

#[tokio::test]
async fn criteria_round_trip_through_files() {
    let server = ServerProcess::start(&[]).await;
    let dir = tempfile::tempdir().unwrap();
    let yaml = file(&dir, "risks.yaml", ESCALATING);
    let json_file = file(
        &dir,
        "strict.json",
        r#"{"id": "strict", "policies": [{"id": "no-guarantees", "pattern": "(?i)guaranteed", "effect": "POLICY_EFFECT_REJECT"}]}"#,
    );
    for path in [&yaml, &json_file] {
        let created = cli(&server, &["criteria", "create", path]);
        assert_eq!(created.status.code(), Some(0), "{}", printed(&created));
    }
    let again = cli(&server, &["criteria", "create", &yaml]);
    assert_eq!(again.status.code(), Some(2), "{}", printed(&again));
    assert!(
        printed(&again).contains("AlreadyExists"),
        "{}",
        printed(&again)
    );

    let listed = stdout(&cli(&server, &["criteria", "list"]));
    assert!(
        listed.contains("needs-risks") && listed.contains("strict"),
        "{listed}"
    );

    // What `get` prints is a file `update` takes.
    let got = cli(&server, &["criteria", "get", "needs-risks"]);
    let edited = stdout(&got).replace("Needs a Risks section", "Risks, please");
    let edited_path = file(&dir, "edited.yaml", &edited);
    let updated = cli(&server, &["criteria", "update", &edited_path, "-o", "json"]);
    assert_eq!(updated.status.code(), Some(0), "{}", printed(&updated));
    assert_eq!(json(&updated)["version"], "2");
    assert_eq!(json(&updated)["display_name"], "Risks, please");
    // The same file again is based on version 1: refused, not overwritten.
    let stale = cli(&server, &["criteria", "update", &edited_path]);
    assert_eq!(stale.status.code(), Some(2), "{}", printed(&stale));
    assert!(printed(&stale).contains("Aborted"), "{}", printed(&stale));

    // evaluate: exit 1 when rejected, 0 when approved; the output comes back redacted.
    let output = file(
        &dir,
        "out.md",
        "## Summary\nReturns are guaranteed. Mail ana@example.com.\n",
    );
    let rejected = cli(
        &server,
        &["criteria", "evaluate", &output, "--id", "strict"],
    );
    assert_eq!(rejected.status.code(), Some(1), "{}", printed(&rejected));
    assert!(
        stdout(&rejected).contains("REJECTED"),
        "{}",
        printed(&rejected)
    );
    assert!(
        stdout(&rejected).contains("[EMAIL]"),
        "{}",
        printed(&rejected)
    );
    assert!(
        !printed(&rejected).contains("ana@example.com"),
        "{}",
        printed(&rejected)
    );
    let lenient = file(&dir, "lenient.yaml", "display_name: anything goes\n");
    let approved = cli(
        &server,
        &["criteria", "evaluate", &output, "--file", &lenient],
    );
    assert_eq!(approved.status.code(), Some(0), "{}", printed(&approved));

    // A misspelt field is an error naming where it is, not a setting dropped.
    let typo = file(
        &dir,
        "typo.yaml",
        "id: t\npolicies:\n  - id: p\n    efect: POLICY_EFFECT_WARN\n",
    );
    let refused = cli(&server, &["criteria", "create", &typo]);
    assert_eq!(refused.status.code(), Some(2), "{}", printed(&refused));
    assert!(
        printed(&refused).contains("policies[0]") && printed(&refused).contains("efect"),
        "{}",
        printed(&refused)
    );

    let deleted = cli(&server, &["criteria", "delete", "strict"]);
    assert_eq!(deleted.status.code(), Some(0), "{}", printed(&deleted));
    let gone = cli(&server, &["criteria", "get", "strict"]);
    assert_eq!(gone.status.code(), Some(2), "{}", printed(&gone));
    assert!(printed(&gone).contains("NotFound"), "{}", printed(&gone));
}

/// The server's violations print once each, not in a summary line and again as a list.
#[tokio::test]
async fn each_violation_prints_once() {
    let server = ServerProcess::start(&[]).await;
    let dir = tempfile::tempdir().unwrap();
    let plan = file(
        &dir,
        "bad.yaml",
        "tasks:\n  - id: a\n    agent: nope\n  - id: b\n    agent: echo\n    depends_on: [c]\n",
    );
    let output = cli(&server, &["run", &plan]);
    assert_eq!(output.status.code(), Some(2), "{}", printed(&output));
    let text = printed(&output);
    assert_eq!(text.matches("spec.tasks[0].agent").count(), 1, "{text}");
    assert_eq!(
        text.matches("spec.tasks[1].depends_on[0]").count(),
        1,
        "{text}"
    );
    assert!(
        text.contains("InvalidArgument: invalid orchestration\n"),
        "{text}"
    );
}

fn offline(args: &[&str]) -> Output {
    cli_command()
        .args(args)
        // Nothing listens here: the check must not need a server.
        .env("ORCHESTRATOR_CLIENT_SERVER", "127.0.0.1:1")
        .output()
        .expect("run the CLI")
}

#[test]
fn plan_validate_checks_offline_what_the_server_would() {
    for plan in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/plans")).unwrap() {
        let path = plan.unwrap().path();
        let path = path.to_str().unwrap();
        let mut args = vec!["plan", "validate", path];
        if path.ends_with("http-agent.yaml") {
            args.extend(["--config", "examples/http-agent.toml"]);
        }
        let output = offline(&args);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{path}: {}",
            printed(&output)
        );
        assert!(stdout(&output).contains("valid"), "{}", printed(&output));
    }

    let dir = tempfile::tempdir().unwrap();
    let bad = file(
        &dir,
        "bad.yaml",
        "max_parallelism: 100000\ntasks:\n  - id: a\n    agent: nope\n  - id: b\n    agent: mock\n    depends_on: [c]\n    params: {delay_ms: -5}\n",
    );
    let output = offline(&["plan", "validate", &bad]);
    assert_eq!(output.status.code(), Some(2), "{}", printed(&output));
    let text = printed(&output);
    for path in [
        "max_parallelism:",
        "tasks[0].agent:",
        "tasks[1].depends_on[0]:",
        "tasks[1].params.delay_ms:",
    ] {
        assert!(
            text.contains(&format!("\n  {path} ")),
            "{path} missing from {text}"
        );
    }

    // The settings name the agents: one configured there makes the plan valid.
    let config = file(
        &dir,
        "settings.toml",
        "[agents.nope]\nkind = \"http\"\nurl = \"http://127.0.0.1:1/\"\n",
    );
    let fixed = file(&dir, "fixed.yaml", "tasks:\n  - id: a\n    agent: nope\n");
    let unknown = offline(&["plan", "validate", &fixed]);
    assert_eq!(unknown.status.code(), Some(2), "{}", printed(&unknown));
    let known = offline(&["plan", "validate", &fixed, "--config", &config]);
    assert_eq!(known.status.code(), Some(0), "{}", printed(&known));

    let typo = file(
        &dir,
        "typo.yaml",
        "tasks:\n  - id: a\n    agent: echo\n    dependson: [b]\n",
    );
    let output = offline(&["plan", "validate", &typo]);
    assert_eq!(output.status.code(), Some(2), "{}", printed(&output));
    assert!(
        printed(&output).contains("dependson"),
        "{}",
        printed(&output)
    );
}

#[test]
fn completions_cover_every_command() {
    for shell in ["bash", "zsh", "fish"] {
        let output = offline(&["completions", shell]);
        assert_eq!(output.status.code(), Some(0), "{}", printed(&output));
        let script = stdout(&output);
        for command in ["resolve", "criteria", "evaluate", "validate", "page-token"] {
            assert!(script.contains(command), "{shell}: {command} missing");
        }
    }
    // Bash loads it and registers the completion.
    let script = stdout(&offline(&["completions", "bash"]));
    let mut bash = std::process::Command::new("bash")
        .args(["-c", "source /dev/stdin && complete -p orchestrator"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    bash.stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let loaded = bash.wait_with_output().unwrap();
    assert!(loaded.status.success());
    assert!(String::from_utf8_lossy(&loaded.stdout).contains("orchestrator"));
}
