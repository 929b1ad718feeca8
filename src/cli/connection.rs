//! Reaching the service: the address (with or without a scheme), TLS, credentials, and what a
//! failure to connect is called, so that a server that is down does not read like a wrong
//! certificate.

use std::error::Error as StdError;
use std::time::Duration;

use tonic::metadata::{Ascii, MetadataValue};
use tonic::transport::Channel;

use super::CliError;
use super::args::{ClientArgs, DEFAULT_SERVER};
use crate::api::pb::orchestrator_service_client::OrchestratorServiceClient;
use crate::api::pb::review_criteria_service_client::ReviewCriteriaServiceClient;
use crate::tls::client::ClientTls;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;

/// How the CLI reaches the service.
#[derive(Debug, Clone)]
pub struct Target {
    /// `host:port`, `http://host:port`, or `https://host:port` (always TLS).
    pub server: String,
    pub tenant: Option<String>,
    /// An API key or a JWT, sent as `authorization: Bearer`.
    pub token: Option<String>,
    pub tls: ClientTls,
    pub connect_timeout: Duration,
}

impl Target {
    pub fn from_args(args: ClientArgs) -> Result<Self, CliError> {
        let args = args.with_legacy_variables();
        let tls = ClientTls::load(
            args.ca_cert.as_deref(),
            args.client_cert.as_deref(),
            args.client_key.as_deref(),
        )?;
        Ok(Self {
            server: args.server.unwrap_or_else(|| DEFAULT_SERVER.to_owned()),
            tenant: args.tenant,
            token: args.token,
            tls,
            connect_timeout: args.connect_timeout,
        })
    }
}

/// The address with its scheme. Without one (`host:port`, as grpcurl takes it), TLS when TLS
/// files were given or the port is HTTPS's.
pub fn with_scheme(server: &str, tls: &ClientTls) -> String {
    if server.contains("://") {
        return server.to_owned();
    }
    let https_port = server
        .rsplit_once(':')
        .is_some_and(|(_, port)| port == "443");
    let scheme = if !tls.is_empty() || https_port {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{server}")
}

/// Why a connection failed, in the words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectFailure {
    /// Nothing listens there.
    Refused,
    /// Nothing answered in time.
    TimedOut(Duration),
    /// The TLS handshake failed (a certificate, or a server that does not speak TLS).
    Tls(String),
    /// Something answered, but not in HTTP/2 gRPC.
    NotGrpc(String),
    /// The connection closed under a call: reset, or ended without a goodbye.
    Closed,
    /// Anything else: name resolution, a reset connection...
    Other(String),
}

impl std::fmt::Display for ConnectFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Refused => write!(
                f,
                "connection refused: nothing listens there (is the server running, on this port?)"
            ),
            Self::TimedOut(after) => write!(
                f,
                "timed out after {}: nothing answered (check the address, and any firewall on the way)",
                humantime::format_duration(*after)
            ),
            Self::Tls(detail) => write!(f, "TLS failed: {detail}"),
            Self::NotGrpc(detail) => write!(
                f,
                "not a gRPC server: {detail} (another port, such as the admin one? a TLS server given as http://?)"
            ),
            Self::Closed => write!(f, "the connection closed (did the server stop or restart?)"),
            Self::Other(detail) => f.write_str(detail),
        }
    }
}

impl ConnectFailure {
    /// Reads an error's causes from the outside in: the first one recognised decides.
    pub fn classify(error: &(dyn StdError + 'static), timeout: Duration) -> Self {
        let chain = crate::telemetry::error_chain(error);
        for cause in causes(error) {
            if let Some(io) = cause.downcast_ref::<std::io::Error>() {
                use std::io::ErrorKind;
                match io.kind() {
                    ErrorKind::ConnectionRefused => return Self::Refused,
                    ErrorKind::TimedOut => return Self::TimedOut(timeout),
                    ErrorKind::BrokenPipe
                    | ErrorKind::ConnectionReset
                    | ErrorKind::ConnectionAborted
                    | ErrorKind::UnexpectedEof => return Self::Closed,
                    _ => {}
                }
            }
            if let Some(tls) = cause.downcast_ref::<rustls::Error>() {
                return Self::Tls(tls_hint(tls));
            }
            if let Some(http) = cause.downcast_ref::<hyper::Error>()
                && (http.is_closed() || http.is_canceled() || http.is_incomplete_message())
            {
                return Self::Closed;
            }
            // Only a broken HTTP/2 conversation says the peer is no HTTP/2 server; a closed
            // connection, a GOAWAY or a reset (a server restarting or draining) does not.
            if let Some(h2) = cause.downcast_ref::<h2::Error>()
                && matches!(
                    h2.reason(),
                    Some(h2::Reason::PROTOCOL_ERROR | h2::Reason::FRAME_SIZE_ERROR)
                )
                && !h2.is_remote()
            {
                return Self::NotGrpc(chain);
            }
        }
        // h2 keeps an I/O error as its kind and message only, so a TLS alert that reaches the
        // client inside HTTP/2 (a refused client certificate, under TLS 1.3) is known by its
        // words alone.
        if chain.contains("received fatal alert") {
            Self::Tls(format!(
                "{chain}; the server refused this client (a client certificate?)"
            ))
        } else if chain.contains("timed out") {
            Self::TimedOut(timeout)
        } else {
            Self::Other(chain)
        }
    }
}

/// An error and its causes, innermost last, looking inside I/O errors (whose `source` skips the
/// error they wrap) and HTTP/2 errors (which wrap an I/O error without a `source`).
fn causes<'a>(error: &'a (dyn StdError + 'static)) -> Vec<&'a (dyn StdError + 'static)> {
    let mut found = Vec::new();
    let mut next = Some(error);
    while let Some(current) = next {
        found.push(current);
        next = if let Some(io) = current.downcast_ref::<std::io::Error>() {
            io.get_ref().map(|inner| inner as &(dyn StdError + 'static))
        } else if let Some(io) = current
            .downcast_ref::<h2::Error>()
            .and_then(h2::Error::get_io)
        {
            Some(io as &(dyn StdError + 'static))
        } else {
            current.source()
        };
    }
    found
}

/// A rustls error, with what usually causes it.
fn tls_hint(error: &rustls::Error) -> String {
    use rustls::{CertificateError, Error};
    let hint = match error {
        Error::InvalidMessage(_) => "; the server does not speak TLS: use http://",
        Error::InvalidCertificate(CertificateError::UnknownIssuer) => {
            "; the server's certificate is not signed by a CA this client trusts: give --ca-cert"
        }
        Error::InvalidCertificate(CertificateError::NotValidForName)
        | Error::InvalidCertificate(CertificateError::NotValidForNameContext { .. }) => {
            "; the certificate does not name this host: connect by a name it holds"
        }
        Error::AlertReceived(_) => "; the server refused this client (a client certificate?)",
        _ => "",
    };
    format!("{error}{hint}")
}

/// `Bearer <token>`, kept out of HTTP/2 header compression tables; a warning when it would
/// cross a network in clear.
fn bearer(token: &str, exposed: bool) -> Result<MetadataValue<Ascii>, CliError> {
    if exposed {
        eprintln!(
            "orchestrator: warning: sending the token over plaintext http:// to a host that is not loopback; use https://"
        );
    }
    let mut value = MetadataValue::try_from(format!("Bearer {}", token.trim())).map_err(|_| {
        CliError::Invalid {
            what: "token",
            value: "(characters a header cannot carry)".into(),
        }
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// An `http://` address whose host is not loopback.
fn endpoint_uri_is_exposed(server: &str) -> bool {
    let Ok(uri) = server.parse::<http::Uri>() else {
        return false;
    };
    let loopback = match uri.host() {
        Some("localhost") => true,
        Some(host) => host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => true,
    };
    uri.scheme_str() == Some("http") && !loopback
}

/// An open channel to the service, and the metadata every call carries.
pub struct Connection {
    pub(super) orchestrations: OrchestratorServiceClient<Channel>,
    pub(super) criteria: ReviewCriteriaServiceClient<Channel>,
    /// The address as shown in messages (without a password).
    pub(super) server: String,
    tenant: Option<MetadataValue<Ascii>>,
    authorization: Option<MetadataValue<Ascii>>,
}

impl Connection {
    pub async fn open(target: &Target) -> Result<Self, CliError> {
        let server = with_scheme(&target.server, &target.tls);
        let endpoint = crate::tls::client::endpoint(&server, Some(&target.tls))?;
        // The caller's own mistakes first, before any wait on the network.
        let tenant = target
            .tenant
            .as_deref()
            .map(|t| {
                MetadataValue::try_from(t).map_err(|_| CliError::Invalid {
                    what: "tenant",
                    value: t.to_owned(),
                })
            })
            .transpose()?;
        let authorization = target
            .token
            .as_deref()
            .map(|token| bearer(token, endpoint_uri_is_exposed(&server)))
            .transpose()?;
        let shown = crate::secrets::redact_url(&server);
        let failed = |failure| CliError::Connect {
            server: shown.clone(),
            failure,
        };
        let timeout = target.connect_timeout;
        let tls = endpoint.uri().scheme_str() == Some("https");
        // The whole connect (TCP, TLS, HTTP/2) under one deadline: a server that accepts and
        // never answers would otherwise hang the TLS handshake without end.
        let channel = tokio::time::timeout(timeout, endpoint.connect_timeout(timeout).connect())
            .await
            .map_err(|_| failed(ConnectFailure::TimedOut(timeout)))?
            .map_err(|source| failed(ConnectFailure::classify(&source, timeout)))?;
        probe(channel.clone(), timeout, tls).await.map_err(failed)?;
        Ok(Self {
            orchestrations: OrchestratorServiceClient::new(channel.clone()),
            criteria: ReviewCriteriaServiceClient::new(channel),
            server: shown,
            tenant,
            authorization,
        })
    }

    /// A request with the tenant and the credentials.
    pub(super) fn request<T>(&self, message: T) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        if let Some(tenant) = &self.tenant {
            request.metadata_mut().insert("x-tenant-id", tenant.clone());
        }
        if let Some(authorization) = &self.authorization {
            request
                .metadata_mut()
                .insert("authorization", authorization.clone());
        }
        request
    }

    /// A failed call: the server's status, or, when no gRPC answer came at all, why.
    pub(super) fn failed(&self, status: tonic::Status) -> CliError {
        let transport = status
            .source()
            .map(|source| ConnectFailure::classify(source, Duration::ZERO));
        match transport {
            Some(failure @ (ConnectFailure::NotGrpc(_) | ConnectFailure::Tls(_))) => {
                CliError::Connect {
                    server: self.server.clone(),
                    failure,
                }
            }
            Some(ConnectFailure::Closed) => CliError::Lost {
                server: self.server.clone(),
            },
            _ if not_grpc(&status) => CliError::Connect {
                server: self.server.clone(),
                failure: ConnectFailure::NotGrpc(status.message().to_owned()),
            },
            _ => CliError::Rpc(status),
        }
    }
}

/// One cheap call (the health check) before the command's own, so that a server that does not
/// speak gRPC, or does not answer at all, is named as such instead of failing the command with
/// "transport error". Any gRPC answer will do, a refusal included.
async fn probe(channel: Channel, timeout: Duration, tls: bool) -> Result<(), ConnectFailure> {
    let mut health = HealthClient::new(channel);
    let check = health.check(HealthCheckRequest {
        service: String::new(),
    });
    let status = match tokio::time::timeout(timeout, check).await {
        Err(_) => return Err(ConnectFailure::TimedOut(timeout)),
        Ok(Ok(_)) => return Ok(()),
        Ok(Err(status)) => status,
    };
    // An answer, even one without gRPC framing, leaves the verdict to the command's own call:
    // a proxy may route the service's paths and not the health check's.
    let Some(source) = status.source() else {
        return Ok(());
    };
    // The connection failed under the first call: whatever listens there took TCP (and TLS)
    // but then closed or broke HTTP/2. Under TLS 1.3 a server that refuses the client's
    // certificate does so after the handshake, and its alert is often lost with the
    // connection.
    Err(match ConnectFailure::classify(source, timeout) {
        ConnectFailure::Closed if tls => ConnectFailure::Tls(
            "the server closed the connection after the handshake: it may require a client certificate (--client-cert, --client-key), or refuse this one".into(),
        ),
        ConnectFailure::Closed => ConnectFailure::NotGrpc(
            "the connection closed at the first call: it does not speak HTTP/2".into(),
        ),
        ConnectFailure::Other(chain) => ConnectFailure::NotGrpc(chain),
        failure => failure,
    })
}

/// A status tonic made up because the answer was not gRPC: an HTTP status without
/// `grpc-status` (a web server's 404), or a body without gRPC framing.
fn not_grpc(status: &tonic::Status) -> bool {
    let message = status.message();
    message.contains("mapped from HTTP status code") || message.contains("invalid compression flag")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_without_a_scheme_gets_one() {
        let plain = ClientTls::default();
        assert_eq!(
            with_scheme("127.0.0.1:50051", &plain),
            "http://127.0.0.1:50051"
        );
        assert_eq!(
            with_scheme("api.example.com:443", &plain),
            "https://api.example.com:443"
        );
        assert_eq!(with_scheme("https://h:1", &plain), "https://h:1");
        assert_eq!(with_scheme("http://h:443", &plain), "http://h:443");
    }

    #[test]
    fn exposure_is_plaintext_beyond_loopback() {
        assert!(endpoint_uri_is_exposed("http://10.0.0.1:50051"));
        assert!(!endpoint_uri_is_exposed("http://127.0.0.1:50051"));
        assert!(!endpoint_uri_is_exposed("http://[::1]:50051"));
        assert!(!endpoint_uri_is_exposed("https://10.0.0.1:50051"));
    }
}
