//! Policy rules that reject or warn: one issue per rule and section, with a redacted excerpt.

use super::Subject;
use crate::model::{IssueKind, PolicyEffect, ReviewIssue, Severity};
use crate::review::policy::PolicyMatches;
use crate::review::redaction::Redacted;
use crate::review::sections;

pub fn issues(
    subject: &Subject<'_>,
    matches: &[PolicyMatches],
    redacted: &Redacted,
) -> Vec<ReviewIssue> {
    let Subject {
        criteria, parsed, ..
    } = *subject;
    let mut issues = Vec::new();
    for found in matches {
        let rule = &criteria.policies[found.rule];
        if rule.effect == PolicyEffect::Redact {
            continue;
        }
        // Sections in the order the output has them.
        let mut per_section: Vec<(Option<&str>, Vec<&std::ops::Range<usize>>)> = Vec::new();
        for range in &found.ranges {
            let section = sections::containing(parsed, range.start).map(|s| s.name);
            match per_section.iter_mut().find(|(s, _)| *s == section) {
                Some((_, ranges)) => ranges.push(range),
                None => per_section.push((section, vec![range])),
            }
        }
        for (section, ranges) in per_section {
            let severity = if rule.effect == PolicyEffect::Warn {
                Severity::Minor
            } else {
                rule.severity
            };
            let label = if rule.description.is_empty() {
                String::new()
            } else {
                format!(" ({})", rule.description)
            };
            let place = section
                .map(|s| format!(" in section '{s}'"))
                .unwrap_or_default();
            let times = if ranges.len() == 1 {
                "once".to_owned()
            } else {
                format!("{} times", ranges.len())
            };
            let remediation = if rule.remediation.trim().is_empty() {
                format!(
                    "Remove or rephrase the text that matches policy rule '{}'{place}",
                    rule.id
                )
            } else {
                rule.remediation.trim().to_owned()
            };
            let mut issue = ReviewIssue::new(
                IssueKind::PolicyViolation,
                severity,
                format!("Policy rule '{}'{label} matched {times}{place}.", rule.id),
                remediation,
            )
            .with_rule(rule.id.clone())
            .with_excerpt(redacted.excerpt(ranges[0].clone()));
            if let Some(section) = section {
                issue = issue.in_section(section);
            }
            issues.push(issue);
        }
    }
    issues
}
