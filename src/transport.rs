//! The listener, bounded: connections accepted up to a cap, TLS handshakes off the accept loop,
//! and connections closed when they do not start a call in time or sit idle.
//!
//! - At most `max_connections` are open; the next ones are closed at once, and reaching the
//!   cap is logged once (and leaving it once).
//! - When the process runs out of file descriptors, accepting pauses briefly instead of
//!   spinning, and the episode is logged once.
//! - A connection must start its first call (TLS handshake included) within
//!   `header_read_timeout`, and one without a call in progress is closed after `idle_timeout`.
//!   A call counts from its request until its response body ends, so a stream being followed is
//!   never idle.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::Frame;
use pin_project_lite::pin_project;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};
use tokio::time::{Instant, Sleep};
use tokio_stream::wrappers::ReceiverStream;
use tonic::body::Body;
use tonic::transport::server::Connected;

use crate::auth::ClientIdentity;
use crate::sync::lock;
use crate::tls::server::ServerTls;

/// Pause after a failed accept (out of file descriptors) so that the loop does not spin.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

#[derive(Debug, Clone, Copy)]
pub struct ListenerLimits {
    pub max_connections: usize,
    /// From accept to the first call's request headers, TLS handshake included.
    pub header_read_timeout: Duration,
    /// Without a call in progress.
    pub idle_timeout: Duration,
}

/// Accepted connections (TLS established when `tls` is set), within `limits`. Ends, closing
/// the listener, once the stream is dropped.
pub fn incoming(
    listener: TcpListener,
    tls: Option<Arc<ServerTls>>,
    limits: ListenerLimits,
) -> ReceiverStream<Result<Connection, io::Error>> {
    let (sender, receiver) = mpsc::channel(64);
    tokio::spawn(accept_loop(listener, tls, limits, sender));
    ReceiverStream::new(receiver)
}

/// What is logged once per episode.
#[derive(Default)]
struct Episodes {
    at_cap: bool,
    out_of_descriptors: bool,
}

async fn accept_loop(
    listener: TcpListener,
    tls: Option<Arc<ServerTls>>,
    limits: ListenerLimits,
    sender: mpsc::Sender<Result<Connection, io::Error>>,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let mut episodes = Episodes::default();
    loop {
        let accepted = tokio::select! {
            () = sender.closed() => return,
            accepted = listener.accept() => accepted,
        };
        let (stream, remote) = match accepted {
            Ok(accepted) => {
                if std::mem::take(&mut episodes.out_of_descriptors) {
                    tracing::info!("accepting connections again");
                }
                accepted
            }
            Err(error) => {
                accept_failed(&error, &mut episodes);
                tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                continue;
            }
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            if !std::mem::replace(&mut episodes.at_cap, true) {
                tracing::warn!(
                    max_connections = limits.max_connections,
                    "the connection limit is reached; new connections are closed until some end"
                );
            }
            continue;
        };
        if std::mem::take(&mut episodes.at_cap) {
            tracing::info!("below the connection limit again");
        }
        let _ = stream.set_nodelay(true);
        let accepted_at = Instant::now();
        match &tls {
            None => {
                let connection =
                    Connection::new(Io::Plain(stream), remote, None, permit, limits, accepted_at);
                if sender.send(Ok(connection)).await.is_err() {
                    return;
                }
            }
            Some(tls) => {
                tokio::spawn(handshake(
                    tls.clone(),
                    stream,
                    remote,
                    permit,
                    limits,
                    sender.clone(),
                ));
            }
        }
    }
}

fn accept_failed(error: &io::Error, episodes: &mut Episodes) {
    // EMFILE, ENFILE: the process or the system is out of file descriptors.
    let out_of_descriptors = matches!(error.raw_os_error(), Some(23 | 24));
    if out_of_descriptors {
        if !std::mem::replace(&mut episodes.out_of_descriptors, true) {
            tracing::warn!(%error, "out of file descriptors: pausing accepts until some close");
        }
    } else {
        tracing::debug!(%error, "cannot accept a connection");
    }
}

/// A TLS handshake, bounded by the time a connection has to start its first call.
async fn handshake(
    tls: Arc<ServerTls>,
    stream: TcpStream,
    remote: SocketAddr,
    permit: OwnedSemaphorePermit,
    limits: ListenerLimits,
    sender: mpsc::Sender<Result<Connection, io::Error>>,
) {
    let accepted_at = Instant::now();
    let accepting = tls.acceptor().accept(stream);
    match tokio::time::timeout(limits.header_read_timeout, accepting).await {
        Ok(Ok(stream)) => {
            let client = client_identity(&stream, remote);
            let io = Io::Tls(Box::new(stream));
            let connection = Connection::new(io, remote, client, permit, limits, accepted_at);
            let _ = sender.send(Ok(connection)).await;
        }
        Ok(Err(error)) => tracing::debug!(%remote, %error, "TLS handshake failed"),
        Err(_) => tracing::debug!(%remote, "TLS handshake timed out"),
    }
}

/// The names of the verified client certificate, if the client presented one.
fn client_identity(
    stream: &tokio_rustls::server::TlsStream<TcpStream>,
    remote: SocketAddr,
) -> Option<Arc<ClientIdentity>> {
    let leaf = stream.get_ref().1.peer_certificates()?.first()?;
    match ClientIdentity::from_der(leaf) {
        Ok(identity) => Some(Arc::new(identity)),
        Err(error) => {
            tracing::warn!(%remote, %error, "cannot read the names of a verified client certificate");
            None
        }
    }
}

/// The calls in progress on one connection, and since when it has had none.
#[derive(Debug)]
pub struct Activity {
    calls: AtomicUsize,
    began: AtomicBool,
    idle_since: Mutex<Instant>,
}

impl Activity {
    fn new(at: Instant) -> Self {
        Self {
            calls: AtomicUsize::new(0),
            began: AtomicBool::new(false),
            idle_since: Mutex::new(at),
        }
    }

    /// Counts a call until the guard is dropped.
    pub fn enter(self: &Arc<Self>) -> ActiveCall {
        self.calls.fetch_add(1, Ordering::AcqRel);
        self.began.store(true, Ordering::Release);
        ActiveCall(self.clone())
    }

    /// Since when no call has been in progress; `None` while one is.
    fn idle_since(&self) -> Option<Instant> {
        let since = *lock(&self.idle_since);
        (self.calls.load(Ordering::Acquire) == 0).then_some(since)
    }
}

/// One call in progress on a connection.
#[derive(Debug)]
pub struct ActiveCall(Arc<Activity>);

impl Drop for ActiveCall {
    fn drop(&mut self) {
        let mut since = lock(&self.0.idle_since);
        if self.0.calls.fetch_sub(1, Ordering::AcqRel) == 1 {
            *since = Instant::now();
        }
    }
}

/// What the service layers learn of a connection (a request extension).
#[derive(Debug, Clone)]
pub struct Peer {
    pub remote_addr: SocketAddr,
    /// The client certificate's names, when the client presented one (verified).
    pub client: Option<Arc<ClientIdentity>>,
    pub activity: Arc<Activity>,
}

enum Io {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::server::TlsStream<TcpStream>>),
}

/// One accepted connection, closed by its own reads once it has been idle too long.
pub struct Connection {
    io: Io,
    peer: Peer,
    limits: ListenerLimits,
    idle_check: Pin<Box<Sleep>>,
    _permit: OwnedSemaphorePermit,
}

impl Connection {
    fn new(
        io: Io,
        remote_addr: SocketAddr,
        client: Option<Arc<ClientIdentity>>,
        permit: OwnedSemaphorePermit,
        limits: ListenerLimits,
        accepted_at: Instant,
    ) -> Self {
        Self {
            io,
            peer: Peer {
                remote_addr,
                client,
                activity: Arc::new(Activity::new(accepted_at)),
            },
            limits,
            idle_check: Box::pin(tokio::time::sleep_until(
                accepted_at + limits.header_read_timeout,
            )),
            _permit: permit,
        }
    }

    /// Err once the connection has been idle for longer than it may be; otherwise re-arms the
    /// check for the earliest moment that could happen.
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        while self.idle_check.as_mut().poll(cx).is_ready() {
            let activity = &self.peer.activity;
            let limit = if activity.began.load(Ordering::Acquire) {
                self.limits.idle_timeout
            } else {
                self.limits.header_read_timeout
            };
            let next = match activity.idle_since() {
                None => Instant::now() + limit,
                Some(since) if since.elapsed() >= limit => {
                    tracing::debug!(remote = %self.peer.remote_addr, ?limit, "closing an idle connection");
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "the connection was idle too long",
                    ));
                }
                Some(since) => since + limit,
            };
            self.idle_check.as_mut().reset(next);
        }
        Ok(())
    }
}

impl Connected for Connection {
    type ConnectInfo = Peer;

    fn connect_info(&self) -> Peer {
        self.peer.clone()
    }
}

impl AsyncRead for Connection {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        // HTTP/2 always keeps a read pending, so this is where an idle connection is noticed.
        self.poll_idle(cx)?;
        match &mut self.io {
            Io::Plain(stream) => Pin::new(stream).poll_read(cx, buf),
            Io::Tls(stream) => Pin::new(stream.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match &mut self.io {
            Io::Plain(stream) => Pin::new(stream).poll_write(cx, buf),
            Io::Tls(stream) => Pin::new(stream.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.io {
            Io::Plain(stream) => Pin::new(stream).poll_flush(cx),
            Io::Tls(stream) => Pin::new(stream.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.io {
            Io::Plain(stream) => Pin::new(stream).poll_shutdown(cx),
            Io::Tls(stream) => Pin::new(stream.as_mut()).poll_shutdown(cx),
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match &mut self.io {
            Io::Plain(stream) => Pin::new(stream).poll_write_vectored(cx, bufs),
            Io::Tls(stream) => Pin::new(stream.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match &self.io {
            Io::Plain(stream) => stream.is_write_vectored(),
            Io::Tls(stream) => stream.is_write_vectored(),
        }
    }
}

/// Counts each call on its connection until its response body ends.
#[derive(Debug, Clone, Copy, Default)]
pub struct ActivityLayer;

impl<S> tower::Layer<S> for ActivityLayer {
    type Service = ActivityService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ActivityService { inner }
    }
}

#[derive(Debug, Clone)]
pub struct ActivityService<S> {
    inner: S,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl<S, ReqBody, ResBody> tower::Service<http::Request<ReqBody>> for ActivityService<S>
where
    S: tower::Service<http::Request<ReqBody>, Response = http::Response<ResBody>>,
    S::Future: Send + 'static,
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
        let call = request
            .extensions()
            .get::<Peer>()
            .map(|peer| peer.activity.enter());
        let response = self.inner.call(request);
        Box::pin(async move {
            let response = response.await?;
            Ok(response.map(|body| {
                Body::new(CountedBody {
                    inner: body,
                    _call: call,
                })
            }))
        })
    }
}

pin_project! {
    /// A response body that keeps its call counted until it ends (or is dropped).
    struct CountedBody<B> {
        #[pin]
        inner: B,
        _call: Option<ActiveCall>,
    }
}

impl<B> http_body::Body for CountedBody<B>
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
        self.project().inner.poll_frame(cx).map_err(Into::into)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}
