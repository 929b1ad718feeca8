//! Graceful shutdown at the gRPC edge, as a tower layer around every service.
//!
//! On SIGINT/SIGTERM the server drains in two steps:
//! 1. *Draining*: new calls are refused with UNAVAILABLE (clients retry elsewhere), calls already
//!    running go on, and the health service keeps answering so that probes see NOT_SERVING.
//! 2. *Stopped*, once the running calls finished or the drain period ran out: every call still
//!    open, health watches included, ends with an UNAVAILABLE status instead of a reset
//!    connection, so that the transport can close its connections and the process can exit.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::Frame;
use pin_project_lite::pin_project;
use tokio::sync::Notify;
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};
use tonic::Status;
use tonic::body::Body;

use super::ApiError;

/// Calls under this path prefix are never refused nor counted: probes must see NOT_SERVING
/// while the server drains, and a health watch must not hold the drain open.
const HEALTH_PATH_PREFIX: &str = "/grpc.health.v1.Health/";

const STOPPED_MESSAGE: &str = "the server shut down before this call finished; retry it (on another replica, if there is one)";

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Shared drain state: cheap to clone, one per server.
#[derive(Clone, Debug, Default)]
pub struct Drain {
    inner: Arc<DrainState>,
}

#[derive(Debug, Default)]
struct DrainState {
    draining: AtomicBool,
    in_flight: AtomicUsize,
    idle: Notify,
    stopped: CancellationToken,
}

/// How a drain ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrainOutcome {
    /// Every running call finished within the drain period.
    Idle,
    /// The drain period ran out with this many calls still running; they were ended.
    TimedOut { cut: usize },
}

impl Drain {
    pub fn new() -> Self {
        Self::default()
    }

    /// The tower layer that applies this drain to every call.
    pub fn layer(&self) -> DrainLayer {
        DrainLayer {
            drain: self.clone(),
        }
    }

    pub fn is_draining(&self) -> bool {
        self.inner.draining.load(Ordering::SeqCst)
    }

    /// Calls running now, health calls aside.
    pub fn in_flight(&self) -> usize {
        self.inner.in_flight.load(Ordering::SeqCst)
    }

    /// Refuses new calls from now on; health calls still pass.
    pub fn begin(&self) {
        self.inner.draining.store(true, Ordering::SeqCst);
    }

    /// Waits up to `period` for the running calls to finish.
    pub async fn wait_idle_for(&self, period: Duration) -> DrainOutcome {
        match tokio::time::timeout(period, self.wait_idle()).await {
            Ok(()) => DrainOutcome::Idle,
            Err(_) => DrainOutcome::TimedOut {
                cut: self.in_flight(),
            },
        }
    }

    /// Ends every call still open with UNAVAILABLE.
    pub fn stop(&self) {
        self.inner.stopped.cancel();
    }

    async fn wait_idle(&self) {
        loop {
            // Register interest before reading the counter so that a call finishing in between
            // cannot be missed.
            let notified = self.inner.idle.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.in_flight() == 0 {
                return;
            }
            notified.await;
        }
    }

    fn enter(&self) -> InFlight {
        self.inner.in_flight.fetch_add(1, Ordering::SeqCst);
        InFlight {
            drain: self.clone(),
        }
    }
}

/// Counts one running call until dropped.
#[derive(Debug)]
struct InFlight {
    drain: Drain,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if self.drain.inner.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.drain.inner.idle.notify_waiters();
        }
    }
}

#[derive(Clone, Debug)]
pub struct DrainLayer {
    drain: Drain,
}

impl<S> tower::Layer<S> for DrainLayer {
    type Service = DrainService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        DrainService {
            inner,
            drain: self.drain.clone(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct DrainService<S> {
    inner: S,
    drain: Drain,
}

fn status_response(status: Status) -> http::Response<Body> {
    status.into_http()
}

impl<S, ReqBody, ResBody> tower::Service<http::Request<ReqBody>> for DrainService<S>
where
    S: tower::Service<http::Request<ReqBody>, Response = http::Response<ResBody>>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    ResBody: http_body::Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    type Response = http::Response<Body>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<ReqBody>) -> Self::Future {
        let is_health = request.uri().path().starts_with(HEALTH_PATH_PREFIX);
        // Counted before the check: either this call sees the drain begin and is refused, or
        // the drain sees this call running and waits for it.
        let in_flight = (!is_health).then(|| self.drain.enter());
        if in_flight.is_some() && self.drain.is_draining() {
            drop(in_flight);
            let refused = status_response(ApiError::ShuttingDown.into());
            return Box::pin(std::future::ready(Ok(refused)));
        }
        let stopped = self.drain.inner.stopped.clone();
        let response = self.inner.call(request);
        Box::pin(async move {
            tokio::select! {
                biased;
                response = response => Ok(response?.map(|body| {
                    Body::new(DrainBody {
                        inner: body,
                        stopped: stopped.cancelled_owned(),
                        in_flight,
                        ended: false,
                    })
                })),
                () = stopped.cancelled() => Ok(status_response(Status::unavailable(STOPPED_MESSAGE))),
            }
        })
    }
}

pin_project! {
    /// A response body that keeps its call counted until it ends, and ends with an UNAVAILABLE
    /// status when the server stops first.
    struct DrainBody<B> {
        #[pin]
        inner: B,
        #[pin]
        stopped: WaitForCancellationFutureOwned,
        in_flight: Option<InFlight>,
        ended: bool,
    }
}

impl<B> http_body::Body for DrainBody<B>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        if *this.ended {
            return Poll::Ready(None);
        }
        match this.inner.poll_frame(cx) {
            Poll::Ready(None) => {
                *this.ended = true;
                this.in_flight.take();
                Poll::Ready(None)
            }
            Poll::Ready(Some(Ok(frame))) => {
                if frame.is_trailers() {
                    this.in_flight.take();
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(error))) => {
                *this.ended = true;
                this.in_flight.take();
                Poll::Ready(Some(Err(error.into())))
            }
            Poll::Pending => {
                if this.stopped.poll(cx).is_pending() {
                    return Poll::Pending;
                }
                *this.ended = true;
                this.in_flight.take();
                let mut trailers = http::HeaderMap::new();
                // Only fails for a status whose message cannot be encoded; this one is ASCII.
                let _ = Status::unavailable(STOPPED_MESSAGE).add_header(&mut trailers);
                Poll::Ready(Some(Ok(Frame::trailers(trailers))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.ended || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}
