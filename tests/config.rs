//! Settings precedence end to end, on the real binary: defaults < TOML file < ORCHESTRATOR_*
//! environment variables < flags; bad settings stop the process with a clear message.

mod common;

use std::io::Write as _;
use std::process::{Command, Output};

use common::process::BINARY;

fn serve(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(BINARY);
    command.arg("serve").args(args);
    // Only the variables this test sets: an ORCHESTRATOR_* variable of the calling shell must
    // not leak in.
    for (key, _) in std::env::vars() {
        if key.starts_with("ORCHESTRATOR_") {
            command.env_remove(key);
        }
    }
    command.envs(env.iter().copied());
    command.output().expect("run the binary")
}

fn print_config(args: &[&str], env: &[(&str, &str)]) -> toml::Table {
    let mut all = vec!["--print-config"];
    all.extend_from_slice(args);
    let output = serve(&all, env);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .parse()
        .expect("--print-config prints TOML")
}

fn settings_file(contents: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(contents.as_bytes()).unwrap();
    file
}

#[test]
fn defaults() {
    let config = print_config(&[], &[]);
    assert_eq!(config["server"]["listen"].as_str(), Some("127.0.0.1:50051"));
    assert_eq!(config["server"]["drain_timeout"].as_str(), Some("10s"));
    assert_eq!(config["log"]["format"].as_str(), Some("text"));
}

#[test]
fn file_then_environment_then_flags() {
    let file = settings_file(
        "[server]\nlisten = \"127.0.0.1:6001\"\ndrain_timeout = \"2s\"\n[log]\nformat = \"json\"\nfilter = \"debug\"\n",
    );
    let path = file.path().to_str().unwrap();

    let from_file = print_config(&["--config", path], &[]);
    assert_eq!(
        from_file["server"]["listen"].as_str(),
        Some("127.0.0.1:6001")
    );
    assert_eq!(from_file["log"]["filter"].as_str(), Some("debug"));

    let env = [
        ("ORCHESTRATOR_SERVER__LISTEN", "127.0.0.1:6002"),
        ("ORCHESTRATOR_LOG__FILTER", "warn"),
    ];
    let from_env = print_config(&["--config", path], &env);
    assert_eq!(
        from_env["server"]["listen"].as_str(),
        Some("127.0.0.1:6002")
    );
    assert_eq!(from_env["log"]["filter"].as_str(), Some("warn"));
    assert_eq!(from_env["server"]["drain_timeout"].as_str(), Some("2s"));

    let from_flags = print_config(
        &[
            "--config",
            path,
            "--listen",
            "127.0.0.1:6003",
            "--log-format",
            "text",
        ],
        &env,
    );
    assert_eq!(
        from_flags["server"]["listen"].as_str(),
        Some("127.0.0.1:6003")
    );
    assert_eq!(from_flags["log"]["format"].as_str(), Some("text"));
    assert_eq!(from_flags["log"]["filter"].as_str(), Some("warn"));
}

#[test]
fn the_settings_file_can_come_from_the_environment() {
    let file = settings_file("[server]\nlisten = \"127.0.0.1:6004\"\n");
    let config = print_config(
        &[],
        &[("ORCHESTRATOR_CONFIG", file.path().to_str().unwrap())],
    );
    assert_eq!(config["server"]["listen"].as_str(), Some("127.0.0.1:6004"));
}

fn assert_refused(output: Output, mentions: &str) {
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    // Figment spells keys that came from the environment in upper case.
    let stderr = String::from_utf8_lossy(&output.stderr).to_lowercase();
    assert!(
        stderr.contains(mentions),
        "expected {mentions:?} in {stderr}"
    );
}

#[test]
fn bad_settings_stop_the_process_with_a_clear_message() {
    assert_refused(
        serve(&["--config", "/nonexistent/settings.toml"], &[]),
        "/nonexistent/settings.toml does not exist",
    );
    let typo = settings_file("[server]\nlisten_address = \"127.0.0.1:1\"\n");
    assert_refused(
        serve(&["--config", typo.path().to_str().unwrap()], &[]),
        "listen_address",
    );
    assert_refused(
        serve(&[], &[("ORCHESTRATOR_SERVER__DRAIN_TIMEOUT", "soon")]),
        "server.drain_timeout",
    );
    assert_refused(serve(&["--listen", "nowhere"], &[]), "nowhere");
    assert_refused(
        serve(&["--log-filter", "=[broken"], &[]),
        "invalid log filter",
    );
}

#[test]
fn an_address_in_use_fails_with_the_address() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let output = serve(&["--listen", &addr], &[]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("cannot listen on {addr}")),
        "{stderr}"
    );
}

/// A remote store that cannot be reached is waited for (tests/store_outage.rs); settings that
/// can never work must not be: they stop the process at once.
#[test]
fn cosmos_settings_that_cannot_work_stop_the_process() {
    let cosmos = [
        ("COSMOS_DISABLE_IMDS", "1"),
        ("ORCHESTRATOR_SERVER__LISTEN", "127.0.0.1:0"),
        ("ORCHESTRATOR_STORAGE__BACKEND", "cosmos"),
        (
            "ORCHESTRATOR_STORAGE__COSMOS__KEY_ENV",
            "TEST_UNSET_COSMOS_KEY_XYZ",
        ),
    ];
    let output = serve(&[], &cosmos);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("TEST_UNSET_COSMOS_KEY_XYZ"), "{stderr}");

    let mut bad_endpoint = cosmos.to_vec();
    bad_endpoint.push(("TEST_UNSET_COSMOS_KEY_XYZ", "a2V5"));
    bad_endpoint.push(("ORCHESTRATOR_STORAGE__COSMOS__ENDPOINT", "not a url"));
    let output = serve(&[], &bad_endpoint);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("not a url"), "{stderr}");
}
