//! Every error the gRPC edge can return, and its mapping to a `tonic::Status` in one place.

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt as _};

use crate::catalog::CatalogError;
use crate::model::FieldViolation;
use crate::review::ReviewError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed; each violation names the field (`criteria.policies[1].pattern`).
    #[error("invalid {subject}: {}", summary(violations))]
    InvalidArgument {
        subject: &'static str,
        violations: Vec<FieldViolation>,
    },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    AlreadyExists(String),
    /// Something of that name exists already, and the details name it (`ResourceInfo`).
    #[error("{message}")]
    AlreadyExistsAs {
        message: String,
        kind: &'static str,
        name: String,
    },
    /// Optimistic concurrency: the caller's version is stale.
    #[error("{0}")]
    Aborted(String),
    /// The request is well-formed but the system is not in a state to serve it.
    #[error("{0}")]
    FailedPrecondition(String),
    #[error("{0}")]
    Unavailable(String),
    /// Missing or bad credentials: the message names the scheme and what failed.
    #[error("{0}")]
    Unauthenticated(String),
    /// Valid credentials without the role or tenant the call needs.
    #[error("{0}")]
    PermissionDenied(String),
    /// Over a quota; the caller may retry after `retry_after`. Nothing was done.
    #[error("{message}; retry in {}", humantime::format_duration(*retry_after))]
    ResourceExhausted {
        message: String,
        /// What is over its quota (`server`, `tenant:acme`).
        subject: String,
        retry_after: std::time::Duration,
    },
    /// A fault of the service itself, never of the caller.
    #[error("{0}")]
    Internal(String),
    /// An RPC of the public contract whose implementation has not landed yet.
    #[error("{rpc} is not implemented yet: {missing}")]
    Unimplemented {
        rpc: &'static str,
        missing: &'static str,
    },
    /// The server received SIGINT/SIGTERM and refuses new calls while it drains.
    #[error("the server is shutting down; retry the call (on another replica, if there is one)")]
    ShuttingDown,
}

/// Violations sent in the details: at most this many...
const MAX_DETAILED_VIOLATIONS: usize = 50;
/// ...and of at most this many bytes of field names and descriptions, so that the whole error
/// (base64 details and message, in the trailers) fits in 8 KiB, what default clients accept.
const DETAILED_VIOLATION_BYTES: usize = 4 * 1024;
/// Longest description kept in a violation or the message.
const MAX_DESCRIPTION_CHARS: usize = 300;

/// The message: the first violation, and how many more the details hold; never the whole list
/// twice.
fn summary(violations: &[FieldViolation]) -> String {
    let Some(first) = violations.first() else {
        return "the request is invalid".into();
    };
    let first = format!("{}: {}", first.field, shortened(&first.description));
    match violations.len() {
        1 => first,
        all => {
            let detailed = detailed(violations).count();
            format!(
                "{first} (and {} more; {detailed} of {all} in the google.rpc.BadRequest details)",
                all - 1
            )
        }
    }
}

fn shortened(description: &str) -> String {
    match description.char_indices().nth(MAX_DESCRIPTION_CHARS) {
        Some((cut, _)) => format!("{}…", &description[..cut]),
        None => description.to_owned(),
    }
}

/// The violations that go into the details, within their count and byte budget.
fn detailed(violations: &[FieldViolation]) -> impl Iterator<Item = (&str, String)> {
    let mut spent = 0;
    violations
        .iter()
        .take(MAX_DETAILED_VIOLATIONS)
        .map(|violation| (violation.field.as_str(), shortened(&violation.description)))
        .take_while(move |(field, description)| {
            spent += field.len() + description.len() + 8;
            spent <= DETAILED_VIOLATION_BYTES
        })
}

impl ApiError {
    pub fn invalid(subject: &'static str, violations: Vec<FieldViolation>) -> Self {
        Self::InvalidArgument {
            subject,
            violations,
        }
    }

    /// One bad field.
    pub fn invalid_field(
        subject: &'static str,
        field: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        Self::invalid(subject, vec![FieldViolation::new(field, description)])
    }
}

impl From<ApiError> for Status {
    fn from(error: ApiError) -> Self {
        let message = error.to_string();
        match error {
            ApiError::InvalidArgument { violations, .. } => {
                let mut details = ErrorDetails::new();
                for (field, description) in detailed(&violations) {
                    details.add_bad_request_violation(field, description);
                }
                Status::with_error_details(Code::InvalidArgument, message, details)
            }
            ApiError::NotFound(_) => Status::not_found(message),
            ApiError::AlreadyExists(_) => Status::already_exists(message),
            ApiError::AlreadyExistsAs { kind, name, .. } => {
                let mut details = ErrorDetails::new();
                details.set_resource_info(kind, name, "", "it exists already");
                Status::with_error_details(Code::AlreadyExists, message, details)
            }
            ApiError::Aborted(_) => Status::aborted(message),
            ApiError::FailedPrecondition(_) => Status::failed_precondition(message),
            ApiError::Unavailable(_) | ApiError::ShuttingDown => Status::unavailable(message),
            ApiError::Unauthenticated(_) => Status::unauthenticated(message),
            ApiError::PermissionDenied(_) => Status::permission_denied(message),
            ApiError::ResourceExhausted {
                message: reason,
                subject,
                retry_after,
            } => {
                let mut details = ErrorDetails::new();
                details.add_quota_failure_violation(subject, reason);
                details.set_retry_info(Some(retry_after));
                Status::with_error_details(Code::ResourceExhausted, message, details)
            }
            ApiError::Internal(_) => Status::internal(message),
            ApiError::Unimplemented { .. } => Status::unimplemented(message),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        let message = error.to_string();
        match error {
            StoreError::NotFound { .. } => ApiError::NotFound(message),
            StoreError::AlreadyExists { .. } => ApiError::AlreadyExists(message),
            StoreError::VersionConflict { .. } => {
                ApiError::Aborted(format!("{message}; read it again and retry"))
            }
            StoreError::Unavailable(_) => ApiError::Unavailable(message),
            StoreError::Corrupt(_) | StoreError::Rejected(_) => ApiError::Internal(message),
        }
    }
}

impl From<CatalogError> for ApiError {
    fn from(error: CatalogError) -> Self {
        match error {
            CatalogError::Store(store) => store.into(),
            invalid @ CatalogError::Invalid { .. } => ApiError::Internal(invalid.to_string()),
        }
    }
}

impl From<ReviewError> for ApiError {
    fn from(error: ReviewError) -> Self {
        match error {
            ReviewError::NoJudge { .. } => ApiError::FailedPrecondition(format!(
                "{error}: a dry run does not call judges; criteria with a judge_agent decide only in an orchestration"
            )),
            ReviewError::Judge(judge) => ApiError::Unavailable(judge.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unimplemented_names_the_rpc_and_what_is_missing() {
        let status = Status::from(ApiError::Unimplemented {
            rpc: "orchestrator.v1.OrchestratorService/Orchestrate",
            missing: "the engine",
        });
        assert_eq!(status.code(), Code::Unimplemented);
        assert!(status.message().contains("OrchestratorService/Orchestrate"));
        assert!(status.message().contains("the engine"));
    }

    #[test]
    fn shutting_down_is_retryable_unavailable() {
        assert_eq!(
            Status::from(ApiError::ShuttingDown).code(),
            Code::Unavailable
        );
    }

    #[test]
    fn invalid_argument_carries_field_violations() {
        let status = Status::from(ApiError::invalid(
            "review criteria",
            vec![
                FieldViolation::new("criteria.id", "bad"),
                FieldViolation::new("criteria.policies[1].pattern", "worse"),
            ],
        ));
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(
            status.message(),
            "invalid review criteria: criteria.id: bad (and 1 more; 2 of 2 in the google.rpc.BadRequest details)"
        );
        let details = status.get_error_details();
        let fields: Vec<_> = details
            .bad_request()
            .unwrap()
            .field_violations
            .iter()
            .map(|v| v.field.as_str())
            .collect();
        assert_eq!(fields, ["criteria.id", "criteria.policies[1].pattern"]);
    }

    #[test]
    fn many_violations_are_capped_and_fit_in_8_kib() {
        let violations: Vec<FieldViolation> = (0..10_000)
            .map(|i| {
                FieldViolation::new(
                    format!("spec.tasks[{i}].agent"),
                    format!("names no agent {}; configured: echo, mock", "x".repeat(500)),
                )
            })
            .collect();
        let status = Status::from(ApiError::invalid("orchestration", violations));
        let details = status.get_error_details();
        let sent = &details.bad_request().unwrap().field_violations;
        assert!(!sent.is_empty() && sent.len() <= MAX_DETAILED_VIOLATIONS);
        assert_eq!(sent[0].field, "spec.tasks[0].agent");
        assert!(
            status.message().contains("(and 9999 more;"),
            "{}",
            status.message()
        );
        let mut trailers = http::HeaderMap::new();
        status.add_header(&mut trailers).unwrap();
        let size: usize = trailers
            .iter()
            .map(|(k, v)| k.as_str().len() + v.len())
            .sum();
        assert!(size <= 8 * 1024, "{size} bytes of trailers");
    }

    #[test]
    fn store_errors_map_to_their_codes() {
        let conflict = StoreError::VersionConflict {
            kind: "review criteria",
            id: "x".into(),
            expected: 1,
            actual: 2,
        };
        assert_eq!(Status::from(ApiError::from(conflict)).code(), Code::Aborted);
        let down = StoreError::Unavailable("disk".into());
        assert_eq!(Status::from(ApiError::from(down)).code(), Code::Unavailable);
    }
}
