//! Settings precedence end to end, on the real binary: defaults < TOML file < ORCHESTRATOR_*
//! environment variables < flags; bad settings stop the process with a clear message.

mod common;

use std::io::Write as _;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

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
    // Tests run side by side: no fixed admin port, unless the test sets one.
    command.env("ORCHESTRATOR_SERVER__ADMIN_LISTEN", "");
    command.envs(env.iter().copied());
    output_within(command, Duration::from_secs(30))
}

/// The command's output; killed after `bound`, so that a server that starts when it should
/// have refused fails the test instead of hanging it.
fn output_within(mut command: Command, bound: Duration) -> Output {
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the binary");
    let pid = child.id().to_string();
    let (finished, finished_rx) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        if finished_rx.recv_timeout(bound).is_err() {
            let _ = Command::new("kill").args(["-9", &pid]).status();
        }
    });
    let output = child.wait_with_output().expect("wait for the binary");
    let _ = finished.send(());
    output
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

/// The agents shown are those the server runs: the built-in `echo` and `mock` too, unless the
/// settings name them (here `mock`, disabled).
#[test]
fn the_built_in_agents_are_shown() {
    let config = print_config(&[], &[]);
    let agents = config["agents"].as_table().expect("an [agents] table");
    let kinds: Vec<(&str, Option<&str>)> = agents
        .iter()
        .map(|(name, agent)| (name.as_str(), agent["kind"].as_str()))
        .collect();
    assert_eq!(kinds, [("echo", Some("echo")), ("mock", Some("mock"))]);

    let file = settings_file("[agents.mock]\nkind = \"mock\"\nenabled = false\n");
    let config = print_config(&["--config", file.path().to_str().unwrap()], &[]);
    assert_eq!(config["agents"]["mock"]["enabled"].as_bool(), Some(false));
    assert_eq!(config["agents"]["echo"]["enabled"].as_bool(), Some(true));
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
fn limits_that_cannot_work_stop_the_process() {
    assert_refused(
        serve(&[], &[("ORCHESTRATOR_LIMITS__MAX_IN_FLIGHT", "0")]),
        "limits.max_in_flight",
    );
    assert_refused(
        serve(
            &[],
            &[(
                "ORCHESTRATOR_LIMITS__SUBMISSIONS_PER_SECOND_PER_TENANT",
                "0",
            )],
        ),
        "limits.submissions_per_second_per_tenant",
    );
    // A budget that could not hold one orchestration at the largest result.
    assert_refused(
        serve(
            &[],
            &[("ORCHESTRATOR_LIMITS__MEMORY_BUDGET_PER_TENANT", "1048576")],
        ),
        "limits.memory_budget_per_tenant",
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
    // Text logs into a pipe (as `kubectl logs` reads them) carry no colour codes.
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");

    // The admin listener's address is checked the same way.
    let output = serve(&[], &[("ORCHESTRATOR_SERVER__ADMIN_LISTEN", &addr)]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("cannot listen on {addr}")),
        "{stderr}"
    );
}

#[test]
fn check_config_validates_and_exits() {
    let valid = settings_file("[metrics]\ntenant_label = true\n");
    let output = serve(
        &["--check-config", "--config", valid.path().to_str().unwrap()],
        &[("ORCHESTRATOR_SERVER__ADMIN_LISTEN", "0.0.0.0:9464")],
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("valid"));

    assert_refused(
        serve(
            &["--check-config"],
            &[("ORCHESTRATOR_SERVER__ADMIN_LISTEN", "nowhere")],
        ),
        "server.admin_listen",
    );
    assert_refused(
        serve(
            &["--check-config"],
            &[("ORCHESTRATOR_LIMITS__MAX_IN_FLIGHT", "0")],
        ),
        "limits.max_in_flight",
    );
    assert_refused(
        serve(
            &["--check-config"],
            &[("ORCHESTRATOR_TELEMETRY__OTLP__SAMPLING_RATIO", "1.5")],
        ),
        "telemetry.otlp.sampling_ratio",
    );
    assert_refused(
        serve(
            &["--check-config"],
            &[("ORCHESTRATOR_TELEMETRY__OTLP__ENDPOINT", "collector:4317")],
        ),
        "telemetry.otlp.endpoint",
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

#[test]
fn listening_beyond_loopback_without_authentication_must_be_deliberate() {
    let output = serve(&["--listen", "0.0.0.0:0"], &[]);
    assert_refused(output, "auth.mode");
    let output = serve(&["--listen", "0.0.0.0:0"], &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("server.insecure = true (--insecure)"),
        "{stderr}"
    );

    let config = print_config(&["--listen", "0.0.0.0:0", "--insecure"], &[]);
    assert_eq!(config["server"]["insecure"].as_bool(), Some(true));
    let config = print_config(
        &["--listen", "0.0.0.0:0"],
        &[("ORCHESTRATOR_SERVER__INSECURE", "true")],
    );
    assert_eq!(config["server"]["insecure"].as_bool(), Some(true));
}

const A_DIGEST: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

#[test]
fn authentication_settings_that_cannot_work_stop_the_process() {
    let refused = |contents: &str, mentions: &str| {
        let file = settings_file(contents);
        assert_refused(
            serve(&["--config", file.path().to_str().unwrap()], &[]),
            mentions,
        );
    };
    refused("[auth]\nmode = \"required\"\n", "auth.mode");
    let key = |sha: &str, role: &str| {
        format!(
            "[auth]\nmode = \"required\"\n[[auth.api_keys]]\nname = \"ci\"\nsha256 = \"{sha}\"\ntenant = \"acme\"\nroles = [\"{role}\"]\n"
        )
    };
    refused(&key("abc", "viewer"), "auth.api_keys[0].sha256");
    refused(&key(A_DIGEST, "root"), "root");
    refused(
        &key(A_DIGEST, "viewer").replace("tenant = \"acme\"", "tenant = \"a/b\""),
        "auth.api_keys[0].tenant",
    );
    refused(
        "[auth]\nmode = \"required\"\n[[auth.client_certs]]\nname = \"svc\"\ntenant = \"acme\"\nroles = [\"viewer\"]\n",
        "auth.client_certs",
    );
    let jwt = "[auth]\nmode = \"required\"\n[auth.jwt]\nissuer = \"https://idp\"\naudience = \"orchestrator\"\n";
    refused(
        &format!("{jwt}jwks_url = \"http://idp/jwks.json\"\n"),
        "auth.jwt.jwks_url",
    );
    refused(jwt, "exactly one of jwks_file and jwks_url");
}

#[test]
fn unusable_tls_and_key_files_stop_the_process_naming_them() {
    let stopped = |contents: &str, mentions: &str| {
        let file = settings_file(contents);
        let output = serve(
            &[
                "--config",
                file.path().to_str().unwrap(),
                "--listen",
                "127.0.0.1:0",
            ],
            &[],
        );
        assert_eq!(output.status.code(), Some(1), "{output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(mentions),
            "expected {mentions:?} in {stderr}"
        );
    };
    stopped(
        "[server.tls]\ncert_file = \"/nonexistent/server.pem\"\nkey_file = \"/nonexistent/server.key\"\n",
        "server.tls: cannot read /nonexistent/server.pem",
    );
    let ca = common::certs::Ca::new("CA");
    let (one, other) = (ca.server("one"), ca.server("other"));
    let files = common::certs::Files::new();
    let cert = files.write("one.pem", &one.cert_pem);
    let key = files.write("other.key", &other.key_pem);
    stopped(
        &format!(
            "[server.tls]\ncert_file = \"{}\"\nkey_file = \"{}\"\n",
            cert.display(),
            key.display()
        ),
        "do not go together",
    );
    let expired = ca.expired_server("old");
    stopped(
        &format!(
            "[server.tls]\ncert_file = \"{}\"\nkey_file = \"{}\"\n",
            files.write("old.pem", &expired.cert_pem).display(),
            files.write("old.key", &expired.key_pem).display()
        ),
        "expired at 2021-01-01",
    );
    let garbage = files.write("garbage.pem", "not a certificate");
    stopped(
        &format!(
            "[server.tls]\ncert_file = \"{}\"\nkey_file = \"{}\"\n",
            garbage.display(),
            key.display()
        ),
        "holds no certificate",
    );
    stopped(
        "[auth]\nmode = \"required\"\n[auth.jwt]\njwks_file = \"/nonexistent/jwks.json\"\nissuer = \"https://idp\"\naudience = \"orchestrator\"\n",
        "/nonexistent/jwks.json",
    );
    let short_key = files.write("short.key", "too short");
    stopped(
        &format!(
            "[review]\npseudonym_key_file = \"{}\"\n",
            short_key.display()
        ),
        "review.pseudonym_key_file",
    );
}

#[test]
fn print_config_hides_key_digests() {
    let file = settings_file(&format!(
        "[auth]\nmode = \"required\"\n[[auth.api_keys]]\nname = \"ci\"\nsha256 = \"{A_DIGEST}\"\ntenant = \"acme\"\nroles = [\"viewer\"]\n"
    ));
    let config = print_config(&["--config", file.path().to_str().unwrap()], &[]);
    let keys = config["auth"]["api_keys"].as_array().unwrap();
    assert_eq!(keys[0]["sha256"].as_str(), Some("***"));
    assert_eq!(keys[0]["name"].as_str(), Some("ci"));
}

#[test]
fn the_otlp_endpoint_keeps_its_secrets() {
    let endpoint = "https://user:s3cret@collector:4317/?token=t0ken";
    let config = print_config(&[], &[("ORCHESTRATOR_TELEMETRY__OTLP__ENDPOINT", endpoint)]);
    let shown = config["telemetry"]["otlp"]["endpoint"].as_str().unwrap();
    assert_eq!(shown, "https://***@collector:4317/?token=***");

    let output = serve(
        &["--check-config"],
        &[(
            "ORCHESTRATOR_TELEMETRY__OTLP__ENDPOINT",
            "user:s3cret@collector:4317",
        )],
    );
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("telemetry.otlp.endpoint"), "{stderr}");
    assert!(!stderr.contains("s3cret"), "{stderr}");
}
