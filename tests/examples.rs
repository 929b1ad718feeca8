//! The http-agent example end to end: the tiny agent of examples/http_agent.rs on a real
//! socket, a server with examples/http-agent.toml, and the example plan run with the CLI.

mod common;

#[allow(dead_code)]
#[path = "../examples/http_agent.rs"]
mod http_agent;

use common::process::{ServerProcess, cli_command};

#[tokio::test]
async fn the_http_agent_plan_runs_against_the_example_agent() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let agent = listener.local_addr().unwrap();
    tokio::spawn(http_agent::serve(listener));

    // The settings file as shipped, with the agent's port this test got.
    let url = format!("http://{agent}/invoke");
    let server = ServerProcess::start_with_env(
        &["--config", "examples/http-agent.toml"],
        &[("ORCHESTRATOR_AGENTS__DIGEST__URL", url.as_str())],
    )
    .await;
    // Not a blocking wait: the agent answers on this test's runtime.
    let mut run = cli_command();
    run.args(["run", "examples/plans/http-agent.yaml", "--follow"])
        .args(["--server", &server.addr.to_string()]);
    let output = tokio::process::Command::from(run).output().await.unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(text.contains("task digest succeeded"), "{text}");
    // The agent saw both dependencies' outputs and answered with their first sentences.
    let digest =
        "Q3 in one line per area:\n- costs: Costs rose 4%.\n- revenue: Revenue grew 12% to 4.1M.\n";
    assert!(text.contains(digest), "{text}");
}
