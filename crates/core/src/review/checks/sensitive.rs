//! Sensitive data: one issue per category, redacted or rejected as the criteria say.

use std::collections::BTreeMap;

use super::Subject;
use crate::model::{IssueKind, ReviewIssue, Severity};

pub fn issues(
    subject: &Subject<'_>,
    pii_sections: &BTreeMap<(u8, &str), Vec<String>>,
    counts: &BTreeMap<String, u32>,
) -> Vec<ReviewIssue> {
    let criteria = subject.criteria;
    let mut issues = Vec::new();
    for (&(_, category), found_in) in pii_sections {
        let count = counts.get(category).copied().unwrap_or_default();
        let severity = if criteria.redaction.reject_on_detection {
            Severity::Critical
        } else {
            Severity::Minor
        };
        let place = if found_in.is_empty() {
            String::new()
        } else {
            format!(
                " in section(s) {}",
                found_in
                    .iter()
                    .map(|s| format!("'{s}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let (description, remediation) = if criteria.redaction.reject_on_detection {
            (
                format!(
                    "Found {count} {category} value(s){place}; these criteria reject sensitive data."
                ),
                format!(
                    "Remove every {category} value from the output (the agents must not include it)"
                ),
            )
        } else {
            (
                format!("Redacted {count} {category} value(s){place}."),
                format!("Leave {category} values out of the output; they were redacted"),
            )
        };
        let mut issue =
            ReviewIssue::new(IssueKind::SensitiveData, severity, description, remediation);
        if let [only] = found_in.as_slice() {
            issue = issue.in_section(only.clone());
        }
        issues.push(issue);
    }
    issues
}
