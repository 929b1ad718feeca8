//! The admin HTTP listener (`server.admin_listen`): `/metrics` for Prometheus, `/healthz` and
//! `/readyz` for probes that cannot speak gRPC (or gRPC over TLS).
//!
//! Plain HTTP/1.1 on its own port, apart from the gRPC listener, so that a scraper or a probe
//! needs neither TLS material nor credentials; it serves nothing of any tenant's data (unless
//! `metrics.tenant_label` puts tenant names in labels).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::telemetry::metrics::{Metrics, OPENMETRICS_TEXT, PROMETHEUS_TEXT};

/// What the admin endpoints read.
#[derive(Clone)]
pub struct Admin {
    pub metrics: Arc<Metrics>,
    /// Whether gRPC health says SERVING for the server as a whole.
    pub ready: watch::Receiver<bool>,
}

/// Serves `listener` until `stop`; each connection on a task of its own.
pub async fn serve(listener: TcpListener, admin: Admin, stop: CancellationToken) {
    loop {
        let accepted = tokio::select! {
            () = stop.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                tracing::debug!(%error, "admin listener: accept failed");
                // Out of descriptors, most likely: wait rather than spin.
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        let admin = admin.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let admin = admin.clone();
                async move { Ok::<_, Infallible>(answer(&admin, &request)) }
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(std::time::Duration::from_secs(10))
                .serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                () = stop.cancelled() => {}
                result = connection => if let Err(error) = result {
                    tracing::debug!(%error, %peer, "admin connection ended with an error");
                }
            }
        });
    }
}

fn answer(admin: &Admin, request: &Request<Incoming>) -> Response<Full<Bytes>> {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return text(StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD\n");
    }
    match request.uri().path() {
        "/metrics" => {
            let openmetrics = wants_openmetrics(request);
            let content_type = match openmetrics {
                true => OPENMETRICS_TEXT,
                false => PROMETHEUS_TEXT,
            };
            let mut response =
                Response::new(Full::new(Bytes::from(admin.metrics.render(openmetrics))));
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static(content_type),
            );
            response
        }
        // Alive: this process answers. The store's state is for readiness, not liveness: a
        // restart would not bring the store back.
        "/healthz" => text(StatusCode::OK, "ok\n"),
        "/readyz" => match *admin.ready.borrow() {
            true => text(StatusCode::OK, "SERVING\n"),
            false => text(StatusCode::SERVICE_UNAVAILABLE, "NOT_SERVING\n"),
        },
        _ => text(
            StatusCode::NOT_FOUND,
            "not found: try /metrics, /healthz, /readyz\n",
        ),
    }
}

/// Whether the scraper prefers OpenMetrics (Prometheus lists it first when it does).
fn wants_openmetrics<B>(request: &Request<B>) -> bool {
    request
        .headers()
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .next()
        .is_some_and(|first| first.trim().starts_with("application/openmetrics-text"))
}

fn text(status: StatusCode, body: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// Binds the admin listener, if it is on.
pub async fn bind(address: Option<SocketAddr>) -> std::io::Result<Option<TcpListener>> {
    match address {
        Some(address) => TcpListener::bind(address).await.map(Some),
        None => Ok(None),
    }
}
