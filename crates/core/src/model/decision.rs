//! The review gate's verdict on one output.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::criteria::{RejectAction, Severity};

#[derive(Debug, Clone, PartialEq)]
pub struct ReviewDecision {
    pub decision_id: String,
    pub verdict: Verdict,
    /// How sure the review is of its verdict, in [0, 1].
    pub confidence: f64,
    pub issues: Vec<ReviewIssue>,
    /// One actionable paragraph built from the issues; empty only when approved without issues.
    pub feedback: String,
    /// Values redacted, per category (`EMAIL`, ..., or `policy:<rule id>`).
    pub redactions: Vec<RedactionCount>,
    /// What followed a rejection.
    pub action: Option<RejectAction>,
    pub criteria_id: String,
    pub criteria_version: u64,
    /// `rules`, `rules+<judge agent>`, or `human:<reviewer>`.
    pub reviewer: String,
    pub create_time: DateTime<Utc>,
    /// The orchestration run this decision reviewed (1 for the first).
    pub run: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    Approved,
    Rejected,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReviewIssue {
    pub kind: IssueKind,
    pub severity: Severity,
    pub description: String,
    pub section: Option<String>,
    pub task_id: Option<String>,
    /// What to change so that this issue goes away.
    pub remediation: String,
    pub rule_id: Option<String>,
    /// The offending text in context, itself redacted.
    pub excerpt: Option<String>,
}

impl ReviewIssue {
    pub fn new(
        kind: IssueKind,
        severity: Severity,
        description: impl Into<String>,
        remediation: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            severity,
            description: description.into(),
            section: None,
            task_id: None,
            remediation: remediation.into(),
            rule_id: None,
            excerpt: None,
        }
    }

    pub fn in_section(mut self, section: impl Into<String>) -> Self {
        self.section = Some(section.into());
        self
    }

    pub fn for_task(mut self, task_id: impl Into<String>) -> Self {
        self.task_id = Some(task_id.into());
        self
    }

    pub fn with_rule(mut self, rule_id: impl Into<String>) -> Self {
        self.rule_id = Some(rule_id.into());
        self
    }

    pub fn with_excerpt(mut self, excerpt: impl Into<String>) -> Self {
        self.excerpt = Some(excerpt.into());
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IssueKind {
    MissingSection,
    Inconsistency,
    PolicyViolation,
    QualityThreshold,
    TaskFailed,
    SensitiveData,
    Judge,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedactionCount {
    pub category: String,
    pub count: u32,
}

/// A human's answer to an escalated review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HumanDecision {
    pub approve: bool,
    pub reviewer: String,
    pub comment: String,
}
