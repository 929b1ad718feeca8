//! A real HTTP/1.1 server on 127.0.0.1 (plain, or HTTPS with a test certificate) that answers
//! from a script and records what it got: the far end of `http` and `openai` agents, and an
//! identity provider's JWKS endpoint, in tests.

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
    scheme: &'static str,
}

impl HttpPeer {
    /// `script(request, index)` gives the status and body of the answer to the index-th call.
    pub async fn start(
        script: impl Fn(&Recorded, usize) -> (u16, String) + Send + Sync + 'static,
    ) -> Self {
        Self::start_with(script, None).await
    }

    /// As `start`, over TLS with `leaf` as the server certificate.
    pub async fn start_tls(
        script: impl Fn(&Recorded, usize) -> (u16, String) + Send + Sync + 'static,
        leaf: &super::certs::Leaf,
    ) -> Self {
        use rustls_pki_types::pem::PemObject as _;
        let certs = rustls_pki_types::CertificateDer::pem_slice_iter(leaf.cert_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .expect("certificate PEM");
        let key = rustls_pki_types::PrivateKeyDer::from_pem_slice(leaf.key_pem.as_bytes())
            .expect("key PEM");
        let config = rustls::ServerConfig::builder_with_provider(orchestrator::tls::provider())
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .expect("server TLS config");
        Self::start_with(
            script,
            Some(tokio_rustls::TlsAcceptor::from(Arc::new(config))),
        )
        .await
    }

    async fn start_with(
        script: impl Fn(&Recorded, usize) -> (u16, String) + Send + Sync + 'static,
        tls: Option<tokio_rustls::TlsAcceptor>,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("bound address");
        let requests: Arc<Mutex<Vec<Recorded>>> = Arc::default();
        let script: Arc<Script> = Arc::new(script);
        let tls_on = tls.is_some();
        let recorded = requests.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let recorded = recorded.clone();
                let script = script.clone();
                let tls = tls.clone();
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
                    match tls {
                        None => {
                            let _ = http1::Builder::new()
                                .serve_connection(TokioIo::new(stream), service)
                                .await;
                        }
                        Some(acceptor) => {
                            if let Ok(stream) = acceptor.accept(stream).await {
                                let _ = http1::Builder::new()
                                    .serve_connection(TokioIo::new(stream), service)
                                    .await;
                            }
                        }
                    }
                });
            }
        });
        Self {
            addr,
            requests,
            scheme: if tls_on { "https" } else { "http" },
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}://{}{path}", self.scheme, self.addr)
    }

    pub fn calls(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

/// A chat completions answer with `content`, reporting 21 prompt and 7 completion tokens: what
/// an `openai` agent's model sends.
pub fn chat_completion(content: &str) -> String {
    serde_json::json!({
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 21, "completion_tokens": 7, "total_tokens": 28}
    })
    .to_string()
}
