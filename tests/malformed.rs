//! Hostile input against the real binary: every request of `tests/data/malformed_requests.jsonl`
//! (made by `cargo run --example gen_malformed_corpus`) sent as raw HTTP/2, below any gRPC
//! library that would refuse to send it. The server answers each with a status that names the
//! caller's mistake (never INTERNAL or UNKNOWN), logs no error for any of them, and keeps
//! serving.

mod common;

use std::time::Duration;

use bytes::Bytes;
use common::process::ServerProcess;
use http_body_util::{BodyExt as _, Full};
use hyper::client::conn::http2;
use hyper_util::rt::{TokioExecutor, TokioIo};

const CORPUS: &str = include_str!("data/malformed_requests.jsonl");

#[derive(serde::Deserialize)]
struct Case {
    name: String,
    path: String,
    body_hex: String,
    #[serde(default)]
    metadata: Vec<(String, String)>,
    expect: Option<String>,
}

/// The gRPC status code of the answer: from the headers (a call refused before it ran) or the
/// trailers.
async fn send(
    sender: &mut http2::SendRequest<Full<Bytes>>,
    addr: std::net::SocketAddr,
    case: &Case,
) -> Result<(u32, String), String> {
    let mut request = hyper::Request::post(format!("http://{addr}{}", case.path))
        .header("content-type", "application/grpc")
        .header("te", "trailers");
    for (key, value) in &case.metadata {
        request = request.header(key, value);
    }
    let body = hex::decode(&case.body_hex).map_err(|e| e.to_string())?;
    let request = request
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| e.to_string())?;
    sender.ready().await.map_err(|e| e.to_string())?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| e.to_string())?;
    let status_of = |headers: &http::HeaderMap| {
        let code = headers
            .get("grpc-status")?
            .to_str()
            .ok()?
            .parse::<u32>()
            .ok()?;
        let message = headers
            .get("grpc-message")
            .and_then(|m| m.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        Some((code, message))
    };
    if let Some(status) = status_of(response.headers()) {
        return Ok(status);
    }
    let collected = response
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?;
    collected
        .trailers()
        .and_then(status_of)
        .ok_or_else(|| "no grpc-status".to_owned())
}

fn code_name(code: u32) -> &'static str {
    [
        "OK",
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
    ]
    .get(code as usize)
    .copied()
    .unwrap_or("?")
}

#[tokio::test]
async fn every_malformed_request_gets_a_status_that_names_the_mistake() {
    let cases: Vec<Case> = CORPUS
        .lines()
        .map(|line| serde_json::from_str(line).expect("a corpus line"))
        .collect();
    assert!(cases.len() >= 300, "{} cases", cases.len());
    let server = ServerProcess::start(&["--log-filter", "info"]).await;
    let addr = server.addr;
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) = http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);

    let mut failures = Vec::new();
    for case in &cases {
        let answer = tokio::time::timeout(Duration::from_secs(10), send(&mut sender, addr, case))
            .await
            .unwrap_or_else(|_| Err("no answer within 10 s".into()));
        match answer {
            Ok((code, message)) => {
                let name = code_name(code);
                let wrong = matches!(name, "INTERNAL" | "UNKNOWN" | "?")
                    || case.expect.as_deref().is_some_and(|expect| expect != name);
                if wrong {
                    failures.push(format!("{} {}: {name} {message}", case.path, case.name));
                }
            }
            Err(error) => failures.push(format!("{} {}: {error}", case.path, case.name)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {}:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );

    // Still serving, and nothing of it logged as an error.
    let channel = common::connect(addr).await;
    tonic_health::pb::health_client::HealthClient::new(channel)
        .check(tonic_health::pb::HealthCheckRequest::default())
        .await
        .expect("the server still answers");
    server.signal("TERM");
    let (status, logs) = server.exit_within(Duration::from_secs(30)).await;
    assert!(status.success(), "{status:?}");
    let errors: Vec<&String> = logs
        .iter()
        .filter(|line| line.contains("\"level\":\"ERROR\""))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}
