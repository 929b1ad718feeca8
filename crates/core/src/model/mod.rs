//! Domain types shared by the engine, the review gate and the stores. No gRPC, no storage
//! backend: the API converts from and to these at the edge.

pub mod criteria;
pub mod decision;
pub mod event;
pub mod orchestration;
pub mod plan;
pub mod sensitive;
pub mod task;
pub mod tenant;
pub mod validation;

pub use criteria::{
    Checksum, CustomDetector, PolicyEffect, PolicyMatcher, PolicyRule, QualityThresholds,
    RedactionSettings, RejectAction, ReviewCriteria, Severity,
};
pub use decision::{
    HumanDecision, IssueKind, RedactionCount, ReviewDecision, ReviewIssue, Verdict,
};
pub use sensitive::{PiiCategory, RedactionStyle};
pub use task::TaskState;
pub use tenant::TenantId;
pub use validation::FieldViolation;
