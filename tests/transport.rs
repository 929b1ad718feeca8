//! The transport's bounds, driven past each with raw TCP and HTTP/2: a connection that never
//! starts a call, an idle one, a request body that never ends, too many connections, too many
//! streams, an oversized message, and a process out of file descriptors.

mod common;

use std::time::Duration;

use bytes::Bytes;
use common::TestServer;
use common::process::{BINARY, ServerProcess};
use orchestrator::api::pb;
use orchestrator::config::Settings;
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tonic::Code;

fn with(change: impl FnOnce(&mut Settings)) -> Settings {
    let mut settings = Settings::default();
    change(&mut settings);
    settings
}

/// Reads until the peer closes; the time that took.
async fn closed_within(stream: &mut TcpStream, bound: Duration) -> Option<Duration> {
    let started = tokio::time::Instant::now();
    let mut buffer = [0u8; 4096];
    tokio::time::timeout(bound, async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return started.elapsed(),
                Ok(_) => {}
            }
        }
    })
    .await
    .ok()
}

/// An HTTP/2 connection (h2 directly, so that its state can be seen); the task driving it ends
/// when the server closes it.
async fn h2_connection(
    addr: std::net::SocketAddr,
) -> (
    h2::client::SendRequest<Bytes>,
    tokio::task::JoinHandle<Result<(), h2::Error>>,
    usize,
) {
    let tcp = TcpStream::connect(addr).await.unwrap();
    let (send, mut connection) = h2::client::handshake(tcp).await.unwrap();
    // The server's SETTINGS arrive with the first exchange.
    let ping = connection.ping_pong().unwrap();
    let driver = tokio::spawn(connection);
    let mut ping = ping;
    ping.ping(h2::Ping::opaque()).await.unwrap();
    let send = send.ready().await.unwrap();
    let max_streams = send.current_max_send_streams();
    (send, driver, max_streams)
}

fn grpc_request(path: &str) -> http::Request<()> {
    http::Request::post(path)
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(())
        .unwrap()
}

/// An empty gRPC frame: a whole request of a message with no fields.
fn empty_message() -> Bytes {
    Bytes::from_static(&[0, 0, 0, 0, 0])
}

#[tokio::test]
async fn a_connection_that_never_starts_a_call_is_closed() {
    let server = TestServer::start_with(with(|s| {
        s.server.header_read_timeout = Duration::from_millis(500);
    }))
    .await;
    let mut silent = TcpStream::connect(server.addr).await.unwrap();
    let took = closed_within(&mut silent, Duration::from_secs(10)).await;
    assert!(took.is_some(), "a silent connection is closed");
    // Half a preface is no better.
    let mut halting = TcpStream::connect(server.addr).await.unwrap();
    halting.write_all(b"PRI * HTTP/2.0\r\n").await.unwrap();
    assert!(
        closed_within(&mut halting, Duration::from_secs(10))
            .await
            .is_some()
    );
}

#[tokio::test]
async fn an_idle_connection_is_closed_and_a_busy_one_is_not() {
    let server = TestServer::start_with(with(|s| {
        s.server.idle_timeout = Duration::from_millis(700);
    }))
    .await;
    // One call, then nothing: closed.
    let (mut idle, idle_driver, _) = h2_connection(server.addr).await;
    let (response, mut body) = idle
        .send_request(grpc_request("/grpc.health.v1.Health/Check"), false)
        .unwrap();
    body.send_data(empty_message(), true).unwrap();
    let response = response.await.unwrap();
    let mut response_body = response.into_body();
    while response_body.data().await.is_some() {}
    let ended = tokio::time::timeout(Duration::from_secs(10), idle_driver).await;
    assert!(ended.is_ok(), "the idle connection was closed");

    // A health watch keeps its connection busy: still open after several idle periods.
    let (mut busy, busy_driver, _) = h2_connection(server.addr).await;
    let (response, mut body) = busy
        .send_request(grpc_request("/grpc.health.v1.Health/Watch"), false)
        .unwrap();
    body.send_data(empty_message(), true).unwrap();
    let _watching = response.await.unwrap();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(
        !busy_driver.is_finished(),
        "a connection with a call in progress stays"
    );
}

#[tokio::test]
async fn a_request_whose_body_never_ends_is_cut_at_the_request_timeout() {
    let server = TestServer::start_with(with(|s| {
        s.server.request_timeout = Duration::from_millis(500);
    }))
    .await;
    let (mut send, _driver, _) = h2_connection(server.addr).await;
    let (response, mut body) = send
        .send_request(
            grpc_request("/orchestrator.v1.OrchestratorService/ListAgents"),
            false,
        )
        .unwrap();
    // A frame header that promises 100 bytes, then nothing more.
    body.send_data(Bytes::from_static(&[0, 0, 0, 0, 100]), false)
        .unwrap();
    let answered = tokio::time::timeout(Duration::from_secs(10), response)
        .await
        .expect("an answer before the client gives up")
        .unwrap();
    let status = answered
        .headers()
        .get("grpc-status")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    assert!(
        status.as_deref().is_some_and(|code| code != "0"),
        "{answered:?}"
    );
}

#[tokio::test]
async fn streams_per_connection_are_capped_and_said_so() {
    let server = TestServer::start_with(with(|s| s.server.max_concurrent_streams = 7)).await;
    let (_, _driver, max_streams) = h2_connection(server.addr).await;
    assert_eq!(max_streams, 7);
}

#[tokio::test]
async fn a_message_over_the_limit_is_resource_exhausted() {
    let server = TestServer::start_with(with(|s| s.server.max_message_bytes = 64 * 1024)).await;
    let status = server
        .orchestrator()
        .submit_orchestration(pb::SubmitOrchestrationRequest {
            request_id: String::new(),
            spec: Some(common::plans::spec(vec![common::plans::mock(
                "t",
                &[],
                json!({"output": "x".repeat(100 * 1024)}),
            )])),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
}

#[tokio::test]
async fn past_the_connection_cap_new_connections_are_closed_and_it_is_logged_once() {
    let config = common::certs::Files::new();
    let path = config.write("cap.toml", "[server]\nmax_connections = 3\n");
    let mut server = ServerProcess::start(&["--config", path.to_str().unwrap()]).await;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(h2_connection(server.addr).await);
    }
    for _ in 0..5 {
        let mut extra = TcpStream::connect(server.addr).await.unwrap();
        assert!(
            closed_within(&mut extra, Duration::from_secs(10))
                .await
                .is_some(),
            "a connection past the cap is closed"
        );
    }
    let reached = server
        .wait_for_log(|line| {
            line["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("the connection limit is reached"))
        })
        .await;
    assert_eq!(reached["level"], "WARN");
    // One closes: a new one is served.
    drop(held.pop());
    let mut served = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let channel = common::try_connect(server.addr, None).await;
        if let Ok(channel) = channel
            && tonic_health::pb::health_client::HealthClient::new(channel)
                .check(tonic_health::pb::HealthCheckRequest::default())
                .await
                .is_ok()
        {
            served = true;
            break;
        }
    }
    assert!(served, "a connection is served again once one closed");
    let said = server
        .seen
        .iter()
        .filter(|line| line.contains("the connection limit is reached"))
        .count();
    assert_eq!(said, 1, "logged once for the episode");
}

/// CPU seconds a process has used (user + system), from /proc.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0
}

#[tokio::test]
async fn out_of_file_descriptors_the_server_pauses_without_spinning_and_recovers() {
    let data = tempfile::tempdir().unwrap();
    let mut command = tokio::process::Command::new("sh");
    command
        .args([
            "-c",
            "ulimit -n 96 && exec \"$0\" serve --listen 127.0.0.1:0 --log-format json --data-dir \"$1\"",
        ])
        .arg(BINARY)
        .arg(data.path());
    let mut server = ServerProcess::spawn(command, data).await;
    let pid = server.pid();

    // More connections than descriptors: the kernel queues them, accept() fails.
    let mut flood = Vec::new();
    for _ in 0..150 {
        if let Ok(stream) = TcpStream::connect(server.addr).await {
            flood.push(stream);
        }
    }
    let warned = server
        .wait_for_log(|line| {
            line["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("out of file descriptors"))
        })
        .await;
    assert_eq!(warned["level"], "WARN");
    let before = cpu_seconds(pid);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let used = cpu_seconds(pid) - before;
    assert!(
        used < 0.5,
        "{used:.2} CPU seconds in 2 s while out of descriptors"
    );

    drop(flood);
    server
        .wait_for_log(|line| line["message"] == "accepting connections again")
        .await;
    let channel = common::connect(server.addr).await;
    tonic_health::pb::health_client::HealthClient::new(channel)
        .check(tonic_health::pb::HealthCheckRequest::default())
        .await
        .expect("served again");
}
