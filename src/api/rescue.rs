//! The one rescue at the edge: what tonic and the transport make of a malformed call becomes a
//! status that says what is wrong, in the caller's terms.
//!
//! tonic answers a request body it cannot decode (random bytes, a truncated frame, an empty
//! body, a bad compression flag, protobuf nested past its recursion limit) with INTERNAL, and
//! one over the size limit with OUT_OF_RANGE, before any service runs. Those are the caller's
//! mistakes: they become INVALID_ARGUMENT ("the request body is not a valid <message>") and
//! RESOURCE_EXHAUSTED, logged at debug with the method and the peer, so that no client can fire
//! the operator's error alerts. Request metadata beyond a bound is refused the same way.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use prost::Message as _;
use tonic::body::Body;
use tonic::{Code, Status};

use crate::transport::Peer;

/// Request metadata larger than this is refused. The transport accepts more (so that it can
/// answer with a gRPC status instead of resetting the stream), up to [`TRANSPORT_HEADER_LIMIT`].
pub const MAX_METADATA_BYTES: usize = 16 * 1024;
/// What HTTP/2 accepts of a header block before it refuses the stream outright.
pub const TRANSPORT_HEADER_LIMIT: u32 = 64 * 1024;

/// What tonic says when it cannot read a request: the prefixes of its messages.
const UNREADABLE: [&str; 6] = [
    "failed to decode Protobuf message",
    "Unexpected EOF decoding stream",
    "Missing request message",
    "protocol error: received message with",
    "Error decompressing",
    "Error, decoded message length too large",
];

/// Request message names by method path, from the served descriptors.
#[derive(Debug, Default)]
pub struct RequestTypes {
    by_path: HashMap<String, String>,
}

impl RequestTypes {
    /// From encoded `FileDescriptorSet`s; a set that does not decode is skipped (the message
    /// then names the method instead of its type).
    pub fn from_descriptor_sets(sets: &[&[u8]]) -> Self {
        let mut by_path = HashMap::new();
        for encoded in sets {
            let Ok(set) = prost_types::FileDescriptorSet::decode(*encoded) else {
                continue;
            };
            for file in &set.file {
                for service in &file.service {
                    for method in &service.method {
                        let path =
                            format!("/{}.{}/{}", file.package(), service.name(), method.name());
                        let input = method.input_type().trim_start_matches('.').to_owned();
                        by_path.insert(path, input);
                    }
                }
            }
        }
        Self { by_path }
    }

    /// Whether `path` is a served method.
    pub fn knows(&self, path: &str) -> bool {
        self.by_path.contains_key(path)
    }

    fn name<'a>(&'a self, path: &'a str) -> &'a str {
        self.by_path.get(path).map_or(path, String::as_str)
    }
}

#[derive(Clone)]
pub struct RescueLayer {
    types: Arc<RequestTypes>,
}

impl RescueLayer {
    pub fn new(types: Arc<RequestTypes>) -> Self {
        Self { types }
    }
}

impl<S> tower::Layer<S> for RescueLayer {
    type Service = Rescue<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Rescue {
            inner,
            types: self.types.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Rescue<S> {
    inner: S,
    types: Arc<RequestTypes>,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, ReqBody> tower::Service<http::Request<ReqBody>> for Rescue<S>
where
    S: tower::Service<http::Request<ReqBody>, Response = http::Response<Body>>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<ReqBody>) -> Self::Future {
        let path = request.uri().path().to_owned();
        let peer = peer(&request);
        let metadata = metadata_bytes(request.headers());
        if metadata > MAX_METADATA_BYTES {
            let status = Status::resource_exhausted(format!(
                "the request metadata is {metadata} bytes; this server accepts at most {MAX_METADATA_BYTES}"
            ));
            tracing::debug!(rpc = %path, ?peer, metadata, "refused oversized metadata");
            return Box::pin(std::future::ready(Ok(status.into_http())));
        }
        let types = self.types.clone();
        let response = self.inner.call(request);
        Box::pin(async move {
            let response = response.await?;
            Ok(match rescued(&response, types.name(&path)) {
                Some(status) => {
                    tracing::debug!(rpc = %path, ?peer, code = ?status.code(), message = status.message(), "refused a malformed request");
                    status.into_http()
                }
                None => response,
            })
        })
    }
}

/// The status a malformed call deserves, when `response` is tonic's answer to one.
fn rescued(response: &http::Response<Body>, message: &str) -> Option<Status> {
    // A call refused before any service ran is answered with its status in the headers.
    let status = Status::from_header_map(response.headers())?;
    let unreadable = UNREADABLE
        .iter()
        .any(|prefix| status.message().starts_with(prefix));
    match status.code() {
        Code::Internal if unreadable => Some(Status::invalid_argument(format!(
            "the request body is not a valid {message}: {}",
            status.message()
        ))),
        Code::OutOfRange if unreadable => Some(Status::resource_exhausted(format!(
            "the request is larger than this server accepts: {}",
            status.message()
        ))),
        _ => None,
    }
}

/// Bytes of the request's metadata, as HTTP/2 counts them for its header list (name, value,
/// and 32 bytes per entry).
fn metadata_bytes(headers: &http::HeaderMap) -> usize {
    headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 32)
        .sum()
}

fn peer<B>(request: &http::Request<B>) -> Option<SocketAddr> {
    request
        .extensions()
        .get::<Peer>()
        .map(|peer| peer.remote_addr)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(status: Status) -> http::Response<Body> {
        status.into_http()
    }

    #[test]
    fn unreadable_requests_are_the_callers_mistake() {
        let types = RequestTypes::from_descriptor_sets(&[super::super::pb::FILE_DESCRIPTOR_SET]);
        let name = types.name("/orchestrator.v1.OrchestratorService/Orchestrate");
        assert_eq!(name, "orchestrator.v1.OrchestrateRequest");
        let undecodable = answered(Status::internal(
            "failed to decode Protobuf message: invalid wire type",
        ));
        let status = rescued(&undecodable, name).unwrap();
        assert_eq!(status.code(), Code::InvalidArgument);
        assert!(
            status.message().starts_with(
                "the request body is not a valid orchestrator.v1.OrchestrateRequest: "
            )
        );
        let large = answered(Status::out_of_range(
            "Error, decoded message length too large: found 5000000 bytes, the limit is: 4194304 bytes",
        ));
        assert_eq!(
            rescued(&large, name).unwrap().code(),
            Code::ResourceExhausted
        );
        // The service's own faults stay what they are.
        let fault = answered(Status::internal("the store is corrupt"));
        assert!(rescued(&fault, name).is_none());
        assert!(rescued(&answered(Status::not_found("x")), name).is_none());
    }
}
