//! How the CLI reaches the server: addresses with or without a scheme, a message of its own for
//! each way of failing (refused, timed out, not gRPC; TLS is in tls_clients.rs), and client
//! variables that `serve` leaves alone.

mod common;

use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::process::Output;

use common::process::{BINARY, ServerProcess};

fn cli(args: &[&str], env: &[(&str, &str)]) -> Output {
    std::process::Command::new(BINARY)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run the CLI")
}

fn all(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[tokio::test]
async fn an_address_needs_no_scheme() {
    let server = ServerProcess::start(&[]).await;
    let bare = server.addr.to_string();
    let with_scheme = format!("http://{bare}");
    for address in [bare.as_str(), with_scheme.as_str()] {
        let listed = cli(&["list", "--server", address], &[]);
        assert_eq!(listed.status.code(), Some(0), "{address}: {}", all(&listed));
    }
}

#[test]
fn nothing_listening_is_connection_refused() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let output = cli(&["list", "--server", &format!("127.0.0.1:{port}")], &[]);
    assert_eq!(output.status.code(), Some(2), "{}", all(&output));
    assert!(
        all(&output).contains("connection refused"),
        "{}",
        all(&output)
    );
}

/// A listener that accepts and never answers: the connect deadline names it, for TLS (the
/// handshake waits) and for plaintext (the first call waits).
#[test]
fn a_silent_server_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let _held = std::thread::spawn(move || {
        let mut accepted = Vec::new();
        while let Ok((stream, _)) = listener.accept() {
            accepted.push(stream);
        }
    });
    for scheme in ["http", "https"] {
        let server = format!("{scheme}://{addr}");
        let output = cli(
            &["list", "--server", &server, "--connect-timeout", "1s"],
            &[],
        );
        assert_eq!(output.status.code(), Some(2), "{}", all(&output));
        assert!(
            all(&output).contains("timed out after 1s"),
            "{scheme}: {}",
            all(&output)
        );
    }
}

/// An HTTP/1.1 server (the admin port, say) answers the HTTP/2 preface with an error.
#[test]
fn an_http1_server_is_not_a_grpc_server() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        while let Ok((mut stream, _)) = listener.accept() {
            let mut request = [0_u8; 1024];
            let _ = stream.read(&mut request);
            let _ = stream.write_all(
                b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            );
        }
    });
    let output = cli(&["list", "--server", &addr.to_string()], &[]);
    assert_eq!(output.status.code(), Some(2), "{}", all(&output));
    assert!(
        all(&output).contains("not a gRPC server"),
        "{}",
        all(&output)
    );
    assert!(
        !all(&output).contains("Unknown: transport error"),
        "{}",
        all(&output)
    );
}

/// Every client variable exported: `serve` starts and ignores them, and the CLI in the same
/// environment uses them (the old names too, with a warning).
#[tokio::test]
async fn client_variables_do_not_reach_the_server() {
    let certs = tempfile::tempdir().unwrap();
    let unused = certs.path().join("absent.pem");
    let unused = unused.to_str().unwrap();
    let client_env = [
        ("ORCHESTRATOR_CLIENT_TENANT", "acme"),
        ("ORCHESTRATOR_CLIENT_TOKEN", "not-checked-without-auth"),
        ("ORCHESTRATOR_CLIENT_CA_CERT", unused),
        ("ORCHESTRATOR_CLIENT_CERT", unused),
        ("ORCHESTRATOR_CLIENT_KEY", unused),
        ("ORCHESTRATOR_CLIENT_REVIEWER", "ana"),
        ("ORCHESTRATOR_CLIENT_SERVER", "127.0.0.1:1"),
        ("ORCHESTRATOR_SERVER_URL", "http://127.0.0.1:1"),
        ("ORCHESTRATOR_TENANT", "acme"),
        ("ORCHESTRATOR_TOKEN", "legacy"),
        ("ORCHESTRATOR_CA_CERT", unused),
    ];
    let server = ServerProcess::start_with_env(&[], &client_env).await;

    // The CLI reads the new names; a flag still wins over them.
    let address = server.addr.to_string();
    let new_names = [
        ("ORCHESTRATOR_CLIENT_SERVER", address.as_str()),
        ("ORCHESTRATOR_CLIENT_TENANT", "acme"),
    ];
    let listed = cli(&["list"], &new_names);
    assert_eq!(listed.status.code(), Some(0), "{}", all(&listed));
    let flag_wins = cli(&["list", "--server", "127.0.0.1:1"], &new_names);
    assert!(
        all(&flag_wins).contains("127.0.0.1:1"),
        "{}",
        all(&flag_wins)
    );

    // The old names still work, with a word about their new ones.
    let legacy = cli(
        &["list"],
        &[
            ("ORCHESTRATOR_SERVER_URL", address.as_str()),
            ("ORCHESTRATOR_TENANT", "acme"),
        ],
    );
    assert_eq!(legacy.status.code(), Some(0), "{}", all(&legacy));
    assert!(
        all(&legacy).contains("rename it ORCHESTRATOR_CLIENT_SERVER"),
        "{}",
        all(&legacy)
    );
}
