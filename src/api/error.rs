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
    #[error("invalid {subject}: {}", render(violations))]
    InvalidArgument {
        subject: &'static str,
        violations: Vec<FieldViolation>,
    },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    AlreadyExists(String),
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

fn render(violations: &[FieldViolation]) -> String {
    violations
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
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
                for violation in violations {
                    details.add_bad_request_violation(violation.field, violation.description);
                }
                Status::with_error_details(Code::InvalidArgument, message, details)
            }
            ApiError::NotFound(_) => Status::not_found(message),
            ApiError::AlreadyExists(_) => Status::already_exists(message),
            ApiError::Aborted(_) => Status::aborted(message),
            ApiError::FailedPrecondition(_) => Status::failed_precondition(message),
            ApiError::Unavailable(_) | ApiError::ShuttingDown => Status::unavailable(message),
            ApiError::Unauthenticated(_) => Status::unauthenticated(message),
            ApiError::PermissionDenied(_) => Status::permission_denied(message),
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
            "invalid review criteria: criteria.id: bad; criteria.policies[1].pattern: worse"
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
