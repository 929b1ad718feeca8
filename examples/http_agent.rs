//! A tiny `http` agent, the other end of examples/plans/http-agent.yaml: a "digest" that
//! answers each task with the first sentence of every output it depends on, one line each.
//!
//! ```sh
//! cargo run --example http_agent                     # listens on 127.0.0.1:9000
//! orchestrator serve --config examples/http-agent.toml
//! orchestrator run examples/plans/http-agent.yaml --follow
//! ```
//!
//! The protocol is the `http` agent kind's: one POST of JSON per attempt, answered with
//! `{"output": "...", "confidence": 0.9}`. A 4xx fails the task; a 5xx or 429 is retried.

use std::collections::BTreeMap;
use std::convert::Infallible;

use http_body_util::{BodyExt as _, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use tokio::net::TcpListener;

/// The parts of the request body this agent reads; the rest (ids, attempt, params) it ignores.
#[derive(Deserialize)]
struct Invocation {
    input: String,
    #[serde(default)]
    dependency_outputs: BTreeMap<String, String>,
}

#[allow(dead_code)] // Also compiled into tests/examples.rs, which calls `serve` itself.
#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9000".to_owned());
    let listener = TcpListener::bind(&address).await?;
    println!("digest agent on http://{}/invoke", listener.local_addr()?);
    serve(listener).await
}

/// Answers every connection on `listener`, HTTP/1.1.
pub async fn serve(listener: TcpListener) -> std::io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(async move {
            let service = hyper::service::service_fn(answer);
            let connection = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service);
            if let Err(error) = connection.await {
                eprintln!("connection failed: {error}");
            }
        });
    }
}

async fn answer(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    if request.method() != hyper::Method::POST || request.uri().path() != "/invoke" {
        return Ok(reply(StatusCode::NOT_FOUND, "POST /invoke".into()));
    }
    let body = match request.into_body().collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) => return Ok(reply(StatusCode::BAD_REQUEST, error.to_string())),
    };
    match serde_json::from_slice::<Invocation>(&body) {
        Ok(invocation) => {
            let answer = serde_json::json!({"output": digest(&invocation), "confidence": 0.8});
            Ok(reply(StatusCode::OK, answer.to_string()))
        }
        Err(error) => Ok(reply(StatusCode::BAD_REQUEST, error.to_string())),
    }
}

/// The task's input as a heading line, then the first sentence of each dependency's output.
fn digest(invocation: &Invocation) -> String {
    let mut lines = vec![invocation.input.trim().to_owned()];
    for (task, output) in &invocation.dependency_outputs {
        lines.push(format!("- {task}: {}", first_sentence(output)));
    }
    lines.join("\n")
}

/// Up to the first `.`, `!` or `?` that ends a sentence: followed by a space or the end, so
/// that `4.1M` stays whole.
fn first_sentence(text: &str) -> &str {
    let text = text.trim();
    let end = text
        .char_indices()
        .find(|&(at, c)| {
            matches!(c, '.' | '!' | '?')
                && text[at + c.len_utf8()..]
                    .chars()
                    .next()
                    .is_none_or(char::is_whitespace)
        })
        .map_or(text.len(), |(at, c)| at + c.len_utf8());
    &text[..end]
}

fn reply(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
}
