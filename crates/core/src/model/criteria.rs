//! Review criteria: what a valid orchestration output is.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::sensitive::{PiiCategory, RedactionStyle};

/// The id under which a tenant keeps its default criteria: used when an orchestration names
/// none.
pub const TENANT_DEFAULT_CRITERIA_ID: &str = "default";
/// The id of the built-in criteria, used when a tenant has no `default` criteria of its own.
/// The ':' keeps it out of the id space callers can create.
pub const BUILTIN_CRITERIA_ID: &str = "builtin:default";
/// Longest criteria id.
pub const MAX_CRITERIA_ID_LEN: usize = 63;

#[derive(Debug, Clone, PartialEq)]
pub struct ReviewCriteria {
    pub id: String,
    /// 1 at create, bumped on every update; 0 only for the built-in criteria.
    pub version: u64,
    pub display_name: String,
    pub required_sections: Vec<String>,
    pub thresholds: QualityThresholds,
    pub policies: Vec<PolicyRule>,
    pub redaction: RedactionSettings,
    pub check_consistency: bool,
    pub validation_prompts: Vec<String>,
    pub judge_agent: Option<String>,
    pub reject_action: RejectAction,
    /// For RETRY: re-runs allowed before giving up as REJECTED.
    pub max_runs_after_reject: u32,
    pub create_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
}

fn default_max_runs_after_reject() -> u32 {
    1
}

impl ReviewCriteria {
    /// Criteria that check nothing but are otherwise complete; a starting point.
    pub fn empty(id: impl Into<String>) -> Self {
        let now = Utc::now();
        Self {
            id: id.into(),
            version: 0,
            display_name: String::new(),
            required_sections: Vec::new(),
            thresholds: QualityThresholds::default(),
            policies: Vec::new(),
            redaction: RedactionSettings::default(),
            check_consistency: false,
            validation_prompts: Vec::new(),
            judge_agent: None,
            reject_action: RejectAction::default(),
            max_runs_after_reject: default_max_runs_after_reject(),
            create_time: now,
            update_time: now,
        }
    }

    /// What applies when neither the orchestration nor the tenant names criteria: every
    /// category of sensitive data is redacted (labels), nothing else is required.
    pub fn builtin_default() -> Self {
        let epoch = DateTime::<Utc>::UNIX_EPOCH;
        Self {
            display_name: "Built-in defaults: redact all sensitive data".to_owned(),
            redaction: RedactionSettings {
                enabled: true,
                categories: Vec::new(),
                style: RedactionStyle::Label,
                reject_on_detection: false,
                custom_detectors: Vec::new(),
            },
            create_time: epoch,
            update_time: epoch,
            ..Self::empty(BUILTIN_CRITERIA_ID)
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct QualityThresholds {
    /// Lowest confidence any succeeded task may report, in [0, 1].
    pub min_confidence: Option<f64>,
    /// Succeeded tasks over all tasks, in [0, 1].
    pub min_task_success_ratio: Option<f64>,
    pub min_output_chars: Option<u32>,
    pub max_output_chars: Option<u32>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PolicyRule {
    pub id: String,
    pub description: String,
    pub matcher: PolicyMatcher,
    pub effect: PolicyEffect,
    pub severity: Severity,
    pub remediation: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PolicyMatcher {
    /// A regular expression (RE2 syntax, linear time).
    Pattern(String),
    /// Whole-word terms.
    Terms {
        terms: Vec<String>,
        case_sensitive: bool,
    },
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PolicyEffect {
    /// A match rejects the output (with the rule's severity).
    #[default]
    Reject,
    /// Matches are replaced by `[REDACTED:<rule id>]`.
    Redact,
    /// A match is reported but never rejects.
    Warn,
}

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Severity {
    /// Reported; never rejects on its own.
    Minor,
    /// Rejects.
    #[default]
    Major,
    /// Rejects.
    Critical,
}

impl Severity {
    /// Whether an issue of this severity rejects the output.
    pub fn rejects(self) -> bool {
        self >= Severity::Major
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RedactionSettings {
    pub enabled: bool,
    /// Empty: all categories.
    pub categories: Vec<PiiCategory>,
    pub style: RedactionStyle,
    /// Reject instead of only redacting when sensitive data is found.
    pub reject_on_detection: bool,
    /// The tenant's own kinds of sensitive value; always on when redaction is.
    pub custom_detectors: Vec<CustomDetector>,
}

/// A tenant's own kind of sensitive value, found by a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomDetector {
    /// Unique within the criteria; findings name it as `custom:<name>`.
    pub name: String,
    /// A linear-time regular expression (RE2 syntax).
    pub pattern: String,
    /// When not empty, a match counts only when one of these words labels it.
    pub context_words: Vec<String>,
    pub checksum: Option<Checksum>,
    /// What matches are counted and redacted as (`EMPLOYEE_ID`).
    pub category: String,
}

/// Check digits a custom detector's matches must pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Checksum {
    Luhn,
    /// ISO 7064 MOD 97-10 over letters (A=10) and digits.
    Mod97,
    /// Digits weighted 1, 2, 3, ... from the right (a final X is 10), summing to a multiple of 11.
    Mod11,
}

impl RedactionSettings {
    /// The categories in effect: the listed ones, or all when none is listed.
    pub fn effective_categories(&self) -> Vec<PiiCategory> {
        if self.categories.is_empty() {
            PiiCategory::ALL.to_vec()
        } else {
            self.categories.clone()
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RejectAction {
    /// Re-run the orchestration with the review's feedback.
    Retry,
    /// Wait for a human to decide.
    Escalate,
    /// End the orchestration as REJECTED.
    #[default]
    Error,
}
