//! gRPC call metrics from the edge: a count by method and status code, and a duration from the
//! request to the end of the response (a stream's whole life).
//!
//! The status of a unary call usually comes in the trailers, so the response body is watched
//! until they pass; a call whose body is dropped before any status (the client went away)
//! counts as CANCELLED. Paths that are no served method count as `other`, so that a caller
//! cannot grow the label set.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::Bytes;
use http_body::Frame;
use pin_project_lite::pin_project;
use tonic::Code;

use super::rescue::RequestTypes;
use crate::telemetry::metrics::Metrics;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Clone)]
pub struct MetricsLayer {
    metrics: Arc<Metrics>,
    methods: Arc<RequestTypes>,
}

impl MetricsLayer {
    pub fn new(metrics: Arc<Metrics>, methods: Arc<RequestTypes>) -> Self {
        Self { metrics, methods }
    }
}

impl<S> tower::Layer<S> for MetricsLayer {
    type Service = MetricsService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        MetricsService {
            inner,
            layer: self.clone(),
        }
    }
}

#[derive(Clone)]
pub struct MetricsService<S> {
    inner: S,
    layer: MetricsLayer,
}

impl<S, ReqBody, ResBody> tower::Service<http::Request<ReqBody>> for MetricsService<S>
where
    S: tower::Service<http::Request<ReqBody>, Response = http::Response<ResBody>>,
    S::Future: Send + 'static,
    ResBody: http_body::Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<ReqBody>) -> Self::Future {
        let path = request.uri().path();
        let method = match self.layer.methods.knows(path) {
            true => path.trim_start_matches('/').to_owned(),
            false => "other".to_owned(),
        };
        let mut call = CallRecord {
            metrics: self.layer.metrics.clone(),
            method,
            started: Instant::now(),
            code: None,
        };
        let response = self.inner.call(request);
        Box::pin(async move {
            let response = match response.await {
                Ok(response) => response,
                Err(error) => {
                    call.code.replace(Code::Unknown);
                    return Err(error);
                }
            };
            // A trailers-only response (most errors) carries its status in the headers.
            call.code = status_of(response.headers());
            Ok(response.map(|inner| tonic::body::Body::new(MeteredBody { inner, call })))
        })
    }
}

/// One call's measurement, recorded when it is dropped: with the body, or with the future
/// when the call never got a response.
struct CallRecord {
    metrics: Arc<Metrics>,
    method: String,
    started: Instant,
    code: Option<Code>,
}

impl Drop for CallRecord {
    fn drop(&mut self) {
        let code = code_name(self.code.unwrap_or(Code::Cancelled));
        self.metrics
            .grpc_request(&self.method, code, self.started.elapsed());
    }
}

fn status_of(headers: &http::HeaderMap) -> Option<Code> {
    let value = headers.get("grpc-status")?.to_str().ok()?;
    Some(Code::from_i32(value.parse().ok()?))
}

pin_project! {
    struct MeteredBody<B> {
        #[pin]
        inner: B,
        call: CallRecord,
    }
}

impl<B> http_body::Body for MeteredBody<B>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.project();
        let frame = this.inner.poll_frame(cx).map_err(Into::into);
        if let Poll::Ready(Some(Ok(frame))) = &frame
            && let Some(trailers) = frame.trailers_ref()
            && let Some(code) = status_of(trailers)
        {
            this.call.code = Some(code);
        }
        frame
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// The canonical upper-case name of a gRPC status code.
pub fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}
