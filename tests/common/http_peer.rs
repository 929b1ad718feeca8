//! A real HTTP/1.1 server on 127.0.0.1 that answers from a script and records what it got:
//! the far end of `http` and `openai` agents in tests.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt as _, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

#[derive(Debug, Clone)]
pub struct Recorded {
    pub path_and_query: String,
    pub headers: hyper::HeaderMap,
    pub body: serde_json::Value,
}

type Script = dyn Fn(&Recorded, usize) -> (u16, String) + Send + Sync;

pub struct HttpPeer {
    pub addr: SocketAddr,
    pub requests: Arc<Mutex<Vec<Recorded>>>,
}

impl HttpPeer {
    /// `script(request, index)` gives the status and body of the answer to the index-th call.
    pub async fn start(
        script: impl Fn(&Recorded, usize) -> (u16, String) + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("bound address");
        let requests: Arc<Mutex<Vec<Recorded>>> = Arc::default();
        let script: Arc<Script> = Arc::new(script);
        let recorded = requests.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let recorded = recorded.clone();
                let script = script.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request: hyper::Request<Incoming>| {
                        let recorded = recorded.clone();
                        let script = script.clone();
                        async move {
                            let path_and_query = request
                                .uri()
                                .path_and_query()
                                .map(|p| p.to_string())
                                .unwrap_or_default();
                            let headers = request.headers().clone();
                            let bytes = request.into_body().collect().await?.to_bytes();
                            let body =
                                serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
                            let call = Recorded {
                                path_and_query,
                                headers,
                                body,
                            };
                            let index = {
                                let mut all = recorded.lock().unwrap();
                                all.push(call.clone());
                                all.len() - 1
                            };
                            let (status, body) = script(&call, index);
                            let response = hyper::Response::builder()
                                .status(status)
                                .header("content-type", "application/json")
                                .body(Full::new(Bytes::from(body)))
                                .expect("a valid response");
                            Ok::<_, hyper::Error>(response)
                        }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self { addr, requests }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn calls(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}
