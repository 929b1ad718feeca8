//! The client side of the CLI: `run` submits a plan file and can follow it, `watch` follows an
//! orchestration that exists. On a terminal each task gets a live progress line; otherwise one
//! plain line per event. The decision closes the output.

pub mod plan;
pub mod progress;

use std::io::IsTerminal as _;
use std::time::Duration;

use tonic::metadata::{Ascii, MetadataValue};
use tonic::transport::Channel;

use crate::api::convert::orchestration::spec_to_proto;
use crate::api::pb;
use crate::api::pb::orchestrator_service_client::OrchestratorServiceClient;
use crate::tls::TlsError;
use crate::tls::client::ClientTls;
use progress::Progress;

/// What the process exits with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Submitted (not followed), or followed to an approval.
    Approved,
    /// Followed to a rejection, a failure or a cancellation.
    NotApproved,
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Plan(#[from] plan::PlanError),
    #[error("cannot reach {server}: {}", crate::telemetry::error_chain(.source))]
    Connect {
        server: String,
        source: tonic::transport::Error,
    },
    #[error("{}", describe_status(.0))]
    Rpc(#[from] tonic::Status),
    #[error("invalid {what}: {value:?}")]
    Invalid { what: &'static str, value: String },
    /// The server address or the TLS files (the message names which).
    #[error("{0}")]
    Tls(#[from] TlsError),
}

/// A status with its field violations, one per line.
fn describe_status(status: &tonic::Status) -> String {
    use tonic_types::StatusExt as _;
    let mut text = format!("{:?}: {}", status.code(), status.message());
    if let Some(bad_request) = status.get_error_details().bad_request() {
        for violation in &bad_request.field_violations {
            text.push_str(&format!(
                "\n  {}: {}",
                violation.field, violation.description
            ));
        }
    }
    text
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

/// How the CLI reaches the service.
#[derive(Debug, Clone, Default)]
pub struct Target {
    /// `http://host:port`, or `https://host:port` (always TLS).
    pub server: String,
    pub tenant: Option<String>,
    /// An API key or a JWT, sent as `authorization: Bearer`.
    pub token: Option<String>,
    pub tls: ClientTls,
}

pub struct Connection {
    client: OrchestratorServiceClient<Channel>,
    tenant: Option<MetadataValue<Ascii>>,
    authorization: Option<MetadataValue<Ascii>>,
}

impl Connection {
    pub async fn open(target: &Target) -> Result<Self, CliError> {
        let server = &target.server;
        let shown = crate::secrets::redact_url(server);
        let endpoint = crate::tls::client::endpoint(server, Some(&target.tls))?;
        let channel = endpoint
            .connect_timeout(Duration::from_secs(10))
            .connect()
            .await
            .map_err(|source| CliError::Connect {
                server: shown,
                source,
            })?;
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
            .map(|token| bearer(token, endpoint_uri_is_exposed(server)))
            .transpose()?;
        Ok(Self {
            client: OrchestratorServiceClient::new(channel),
            tenant,
            authorization,
        })
    }

    fn request<T>(&self, message: T) -> tonic::Request<T> {
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

    /// Submits a plan file; prints the orchestration id, then follows it when asked.
    pub async fn run(
        &mut self,
        path: &str,
        request_id: Option<&str>,
        follow: bool,
    ) -> Result<Outcome, CliError> {
        let plan = plan::load(path)?;
        let submitted = self
            .client
            .submit_orchestration(self.request(pb::SubmitOrchestrationRequest {
                request_id: request_id.unwrap_or_default().to_owned(),
                spec: Some(spec_to_proto(&plan)),
            }))
            .await?
            .into_inner();
        let note = if submitted.created {
            ""
        } else {
            " (existing: same request id)"
        };
        eprintln!("orchestration {}{note}", submitted.orchestration_id);
        if !follow {
            println!("{}", submitted.orchestration_id);
            return Ok(Outcome::Approved);
        }
        self.watch(&submitted.orchestration_id, 0).await
    }

    /// Follows an orchestration's events to its end and prints the decision.
    pub async fn watch(&mut self, orchestration_id: &str, after: u64) -> Result<Outcome, CliError> {
        let mut stream = self
            .client
            .stream_status(self.request(pb::StreamStatusRequest {
                orchestration_id: orchestration_id.to_owned(),
                after_sequence: after,
            }))
            .await?
            .into_inner();
        let mut progress = Progress::new(std::io::stdout().is_terminal());
        while let Some(message) = stream.message().await? {
            let Some(event) = message.event else {
                continue;
            };
            if let Some(result) = progress.show(&event) {
                progress.finish();
                print!("{}", progress::summary(&result));
                return Ok(if result.state() == pb::OrchestrationState::Approved {
                    Outcome::Approved
                } else {
                    Outcome::NotApproved
                });
            }
        }
        progress.finish();
        Err(CliError::Rpc(tonic::Status::unavailable(
            "the event stream ended before the orchestration completed; `orchestrator watch` can pick it up again",
        )))
    }
}
