//! The seam for the optional LLM judge: criteria name a judge agent and validation prompts; the
//! judge answers each prompt about the (already redacted) output. The engine provides the
//! implementation that calls the agent through its usual stack.

use async_trait::async_trait;

#[derive(Debug, Clone, PartialEq)]
pub struct JudgeRequest {
    /// The judge agent named by the criteria.
    pub agent: String,
    /// The output after redaction: the judge never sees what the rules hid.
    pub output: String,
    pub prompts: Vec<String>,
}

/// The judge's answer to one validation prompt.
#[derive(Debug, Clone, PartialEq)]
pub struct JudgeAnswer {
    pub prompt: String,
    /// Whether the output passes this check.
    pub passed: bool,
    /// Why; for a failed check, what to change.
    pub explanation: String,
    /// The judge's certainty, in [0, 1], when it gives one.
    pub confidence: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JudgeError {
    #[error("judge agent {agent:?} is not available: {reason}")]
    Unavailable { agent: String, reason: String },
    #[error("judge agent {agent:?} failed: {reason}")]
    Failed { agent: String, reason: String },
    #[error("judge agent {agent:?} answered in a form the review cannot read: {reason}")]
    Malformed { agent: String, reason: String },
}

#[async_trait]
pub trait Judge: Send + Sync {
    async fn judge(&self, request: JudgeRequest) -> Result<Vec<JudgeAnswer>, JudgeError>;
}
