//! The web console: static files embedded in the binary, served on the gRPC listener at
//! `/console/`, which call the API itself through gRPC-Web.
//!
//! Why the gRPC port and not the admin one: the console is then one more client of the same
//! API, behind the same TLS, authentication, roles, tenancy, limits, metrics and traces, with
//! nothing of its own to secure or keep in step. The admin port stays plain HTTP for probes and
//! Prometheus, and never carries credentials.
//!
//! [`ConsoleLayer`] sits outermost in the gRPC listener's stack: it answers the console's own
//! files (no credentials needed: they hold no data) and refuses gRPC-Web calls made from
//! another site's pages; everything else goes on to gRPC-Web translation and the API.

pub mod schema;

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use tonic::body::Body;

/// Where the console lives.
pub const PREFIX: &str = "/console/";

/// One embedded file.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "",
        content_type: "text/html; charset=utf-8",
        bytes: include_bytes!("../../console/index.html"),
    },
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../console/app.js"),
    },
    Asset {
        name: "grpc.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../console/grpc.js"),
    },
    Asset {
        name: "views.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../console/views.js"),
    },
    Asset {
        name: "style.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../console/style.css"),
    },
];

/// Only this origin's own scripts, styles and calls; never framed (clickjacking).
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

/// The console's files, and the API's schema for its codec.
#[derive(Clone)]
pub struct Console {
    schema: Bytes,
}

impl Console {
    /// `descriptor_sets`: the encoded `FileDescriptorSet`s of the API the console calls.
    pub fn new(descriptor_sets: &[&[u8]]) -> Result<Self, prost::DecodeError> {
        let schema = schema::from_descriptor_sets(descriptor_sets)?;
        Ok(Self {
            schema: Bytes::from(schema.to_string()),
        })
    }

    /// The answer to a request for one of the console's paths, or `None` for any other path.
    fn answer<B>(&self, request: &Request<B>) -> Option<Response<Body>> {
        let path = request.uri().path();
        if path == "/" || path == "/console" {
            return Some(redirect_to_console());
        }
        let name = path.strip_prefix(PREFIX)?;
        if request.method() != Method::GET && request.method() != Method::HEAD {
            return Some(plain(StatusCode::METHOD_NOT_ALLOWED, "GET only\n"));
        }
        let (content_type, bytes) = match name {
            "schema.json" => ("application/json", self.schema.clone()),
            name => match ASSETS.iter().find(|asset| asset.name == name) {
                Some(asset) => (asset.content_type, Bytes::from_static(asset.bytes)),
                None => return Some(plain(StatusCode::NOT_FOUND, "no such file\n")),
            },
        };
        let body = if request.method() == Method::HEAD {
            Body::empty()
        } else {
            Body::new(http_body_util::Full::new(bytes))
        };
        let mut response = Response::new(body);
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        // The files change with the binary: always ask whether they did.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        Some(response)
    }
}

fn redirect_to_console() -> Response<Body> {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::SEE_OTHER;
    response
        .headers_mut()
        .insert(header::LOCATION, HeaderValue::from_static(PREFIX));
    response
}

fn plain(status: StatusCode, text: &'static str) -> Response<Body> {
    let mut response = Response::new(Body::new(http_body_util::Full::new(Bytes::from_static(
        text.as_bytes(),
    ))));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// A gRPC-Web call sent by a page of another site: its `Origin` names a host other than the
/// one it was sent to. A browser adds `Origin` to every cross-site call and no page can forge
/// it; with authentication off on loopback, this is what keeps a web page the operator visits
/// from driving the API.
fn cross_site<B>(request: &Request<B>) -> bool {
    let is_grpc_web = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/grpc-web"));
    let Some(origin) = request.headers().get(header::ORIGIN) else {
        return false;
    };
    if !is_grpc_web {
        return false;
    }
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|origin| origin.split_once("://"))
        .map(|(_, host)| host);
    let target = request
        .uri()
        .authority()
        .map(|authority| authority.as_str())
        .or_else(|| {
            request
                .headers()
                .get(header::HOST)
                .and_then(|host| host.to_str().ok())
        });
    origin_host.is_none() || origin_host != target
}

/// Serves the console before anything else sees the request.
#[derive(Clone)]
pub struct ConsoleLayer {
    console: Option<Arc<Console>>,
}

impl ConsoleLayer {
    /// `None`: the console is off, and the layer passes everything on.
    pub fn new(console: Option<Console>) -> Self {
        Self {
            console: console.map(Arc::new),
        }
    }
}

impl<S> tower::Layer<S> for ConsoleLayer {
    type Service = ConsoleService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ConsoleService {
            inner,
            console: self.console.clone(),
        }
    }
}

#[derive(Clone)]
pub struct ConsoleService<S> {
    inner: S,
    console: Option<Arc<Console>>,
}

type BoxFuture<T> = Pin<Box<dyn std::future::Future<Output = T> + Send>>;

impl<S, B> tower::Service<Request<B>> for ConsoleService<S>
where
    S: tower::Service<Request<B>, Response = Response<Body>, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<Result<Response<Body>, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        if let Some(console) = &self.console {
            if let Some(response) = console.answer(&request) {
                return Box::pin(std::future::ready(Ok(response)));
            }
            if cross_site(&request) {
                let refused = plain(
                    StatusCode::FORBIDDEN,
                    "cross-site gRPC-Web calls are refused\n",
                );
                return Box::pin(std::future::ready(Ok(refused)));
            }
        }
        Box::pin(self.inner.call(request))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: Method, uri: &str, headers: &[(&str, &str)]) -> Request<()> {
        let mut builder = Request::builder().method(method).uri(uri);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(()).unwrap()
    }

    #[test]
    fn files_redirects_and_refusals() {
        let console = Console::new(&[crate::api::pb::FILE_DESCRIPTOR_SET]).unwrap();
        let index = console
            .answer(&request(Method::GET, "/console/", &[]))
            .unwrap();
        assert_eq!(index.status(), StatusCode::OK);
        assert!(
            index.headers()[header::CONTENT_SECURITY_POLICY]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'")
        );
        let root = console.answer(&request(Method::GET, "/", &[])).unwrap();
        assert_eq!(root.status(), StatusCode::SEE_OTHER);
        assert_eq!(root.headers()[header::LOCATION], PREFIX);
        let missing = console
            .answer(&request(Method::GET, "/console/../Cargo.toml", &[]))
            .unwrap();
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        let post = console
            .answer(&request(Method::POST, "/console/app.js", &[]))
            .unwrap();
        assert_eq!(post.status(), StatusCode::METHOD_NOT_ALLOWED);
        // The API's paths are not the console's.
        assert!(
            console
                .answer(&request(
                    Method::POST,
                    "/orchestrator.v1.OrchestratorService/GetCaller",
                    &[]
                ))
                .is_none()
        );
    }

    #[test]
    fn grpc_web_calls_from_other_sites_are_recognised() {
        let web = ("content-type", "application/grpc-web+proto");
        let path = "/orchestrator.v1.OrchestratorService/GetCaller";
        let same = request(
            Method::POST,
            path,
            &[
                web,
                ("host", "127.0.0.1:50051"),
                ("origin", "http://127.0.0.1:50051"),
            ],
        );
        assert!(!cross_site(&same));
        let other = request(
            Method::POST,
            path,
            &[
                web,
                ("host", "127.0.0.1:50051"),
                ("origin", "https://evil.example"),
            ],
        );
        assert!(cross_site(&other));
        let opaque = request(
            Method::POST,
            path,
            &[web, ("host", "127.0.0.1:50051"), ("origin", "null")],
        );
        assert!(cross_site(&opaque));
        // No Origin: not a browser's cross-site call (grpcurl, a backend, a same-origin GET).
        let tool = request(Method::POST, path, &[web, ("host", "127.0.0.1:50051")]);
        assert!(!cross_site(&tool));
    }
}
