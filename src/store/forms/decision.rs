//! Review decisions as stored: alone, in a result and in a review event.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::criteria::{RejectAction, Severity};
use crate::model::decision::{IssueKind, RedactionCount, ReviewDecision, ReviewIssue, Verdict};

#[derive(Debug, Serialize, Deserialize)]
pub struct DecisionForm {
    decision_id: String,
    verdict: Verdict,
    confidence: f64,
    issues: Vec<IssueForm>,
    feedback: String,
    redactions: Vec<RedactionCountForm>,
    action: Option<RejectAction>,
    criteria_id: String,
    criteria_version: u64,
    reviewer: String,
    create_time: DateTime<Utc>,
    run: u32,
}

#[derive(Debug, Serialize, Deserialize)]
struct IssueForm {
    kind: IssueKind,
    severity: Severity,
    description: String,
    #[serde(default)]
    section: Option<String>,
    #[serde(default)]
    task_id: Option<String>,
    remediation: String,
    #[serde(default)]
    rule_id: Option<String>,
    #[serde(default)]
    excerpt: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct RedactionCountForm {
    category: String,
    count: u32,
}

impl From<&ReviewDecision> for DecisionForm {
    fn from(decision: &ReviewDecision) -> Self {
        Self {
            decision_id: decision.decision_id.clone(),
            verdict: decision.verdict,
            confidence: decision.confidence,
            issues: decision.issues.iter().map(IssueForm::from).collect(),
            feedback: decision.feedback.clone(),
            redactions: decision
                .redactions
                .iter()
                .map(RedactionCountForm::from)
                .collect(),
            action: decision.action,
            criteria_id: decision.criteria_id.clone(),
            criteria_version: decision.criteria_version,
            reviewer: decision.reviewer.clone(),
            create_time: decision.create_time,
            run: decision.run,
        }
    }
}

impl From<DecisionForm> for ReviewDecision {
    fn from(form: DecisionForm) -> Self {
        Self {
            decision_id: form.decision_id,
            verdict: form.verdict,
            confidence: form.confidence,
            issues: form.issues.into_iter().map(ReviewIssue::from).collect(),
            feedback: form.feedback,
            redactions: form
                .redactions
                .into_iter()
                .map(RedactionCount::from)
                .collect(),
            action: form.action,
            criteria_id: form.criteria_id,
            criteria_version: form.criteria_version,
            reviewer: form.reviewer,
            create_time: form.create_time,
            run: form.run,
        }
    }
}

impl From<&ReviewIssue> for IssueForm {
    fn from(issue: &ReviewIssue) -> Self {
        Self {
            kind: issue.kind,
            severity: issue.severity,
            description: issue.description.clone(),
            section: issue.section.clone(),
            task_id: issue.task_id.clone(),
            remediation: issue.remediation.clone(),
            rule_id: issue.rule_id.clone(),
            excerpt: issue.excerpt.clone(),
        }
    }
}

impl From<IssueForm> for ReviewIssue {
    fn from(form: IssueForm) -> Self {
        Self {
            kind: form.kind,
            severity: form.severity,
            description: form.description,
            section: form.section,
            task_id: form.task_id,
            remediation: form.remediation,
            rule_id: form.rule_id,
            excerpt: form.excerpt,
        }
    }
}

impl From<&RedactionCount> for RedactionCountForm {
    fn from(count: &RedactionCount) -> Self {
        Self {
            category: count.category.clone(),
            count: count.count,
        }
    }
}

impl From<RedactionCountForm> for RedactionCount {
    fn from(form: RedactionCountForm) -> Self {
        Self {
            category: form.category,
            count: form.count,
        }
    }
}
