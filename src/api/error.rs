//! Every error the gRPC edge can return, and its mapping to a `tonic::Status` in one place.

use tonic::{Code, Status};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
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

impl From<ApiError> for Status {
    fn from(error: ApiError) -> Self {
        let code = match &error {
            ApiError::Unimplemented { .. } => Code::Unimplemented,
            ApiError::ShuttingDown => Code::Unavailable,
        };
        Status::new(code, error.to_string())
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
}
