//! How the CLI reaches the server: addresses with or without a scheme, a message of its own for
//! each way of failing (refused, timed out, not gRPC; TLS is in tls_clients.rs), and client
//! variables that `serve` leaves alone.

mod common;

use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::process::Output;

use common::process::{ServerProcess, cli_command, printed};

fn cli(args: &[&str], env: &[(&str, &str)]) -> Output {
    cli_command()
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("run the CLI")
}

#[tokio::test]
async fn an_address_needs_no_scheme() {
    let server = ServerProcess::start(&[]).await;
    let bare = server.addr.to_string();
    let with_scheme = format!("http://{bare}");
    for address in [bare.as_str(), with_scheme.as_str()] {
        let listed = cli(&["list", "--server", address], &[]);
        assert_eq!(
            listed.status.code(),
            Some(0),
            "{address}: {}",
            printed(&listed)
        );
    }
}

#[test]
fn nothing_listening_is_connection_refused() {
    // Port 1 (tcpmux) is not served here; a port bound and freed could be taken meanwhile.
    let output = cli(&["list", "--server", "127.0.0.1:1"], &[]);
    assert_eq!(output.status.code(), Some(2), "{}", printed(&output));
    assert!(
        printed(&output).contains("connection refused"),
        "{}",
        printed(&output)
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
        assert_eq!(output.status.code(), Some(2), "{}", printed(&output));
        assert!(
            printed(&output).contains("timed out after 1s"),
            "{scheme}: {}",
            printed(&output)
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
    assert_eq!(output.status.code(), Some(2), "{}", printed(&output));
    assert!(
        printed(&output).contains("not a gRPC server"),
        "{}",
        printed(&output)
    );
    assert!(
        !printed(&output).contains("Unknown: transport error"),
        "{}",
        printed(&output)
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
    assert_eq!(listed.status.code(), Some(0), "{}", printed(&listed));
    let flag_wins = cli(&["list", "--server", "127.0.0.1:1"], &new_names);
    assert!(
        printed(&flag_wins).contains("127.0.0.1:1"),
        "{}",
        printed(&flag_wins)
    );

    // The old names still work, with a word about their new ones.
    let legacy = cli(
        &["list"],
        &[
            ("ORCHESTRATOR_SERVER_URL", address.as_str()),
            ("ORCHESTRATOR_TENANT", "acme"),
        ],
    );
    assert_eq!(legacy.status.code(), Some(0), "{}", printed(&legacy));
    assert!(
        printed(&legacy).contains("rename it ORCHESTRATOR_CLIENT_SERVER"),
        "{}",
        printed(&legacy)
    );
}

/// An HTTP/2 server that is no gRPC server (a web server on the port) answers with an HTTP
/// status: the command says so instead of "Unimplemented".
#[tokio::test(flavor = "multi_thread")]
async fn an_http2_web_server_is_not_a_grpc_server() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let service = hyper::service::service_fn(|_request| async {
                let mut response =
                    hyper::Response::new(http_body_util::Empty::<bytes::Bytes>::new());
                *response.status_mut() = hyper::StatusCode::NOT_FOUND;
                Ok::<_, std::convert::Infallible>(response)
            });
            let executor = hyper_util::rt::TokioExecutor::new();
            tokio::spawn(
                hyper::server::conn::http2::Builder::new(executor)
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service),
            );
        }
    });
    let output =
        tokio::task::spawn_blocking(move || cli(&["list", "--server", &addr.to_string()], &[]))
            .await
            .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", printed(&output));
    assert!(
        printed(&output).contains("not a gRPC server"),
        "{}",
        printed(&output)
    );
    assert!(printed(&output).contains("404"), "{}", printed(&output));
}

/// A server that dies under a stream the CLI follows is not called "not a gRPC server".
#[tokio::test]
async fn a_server_gone_mid_stream_is_not_mistaken_for_another_protocol() {
    let server = ServerProcess::start(&[]).await;
    let plan = "tasks:\n  - id: slow\n    agent: mock\n    params: {delay_ms: 60000}\n";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("slow.yaml");
    std::fs::write(&path, plan).unwrap();
    let mut follow = cli_command();
    follow
        .args(["run", path.to_str().unwrap(), "--follow", "--server"])
        .arg(server.addr.to_string());
    let follow = tokio::process::Command::from(follow)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    // Followed: its task is running.
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    server.kill().await;
    let output = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        follow.wait_with_output(),
    )
    .await
    .expect("the CLI ends when the server is gone")
    .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", printed(&output));
    assert!(
        !printed(&output).contains("not a gRPC server"),
        "{}",
        printed(&output)
    );
}
