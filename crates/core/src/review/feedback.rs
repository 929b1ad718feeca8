//! The decision's `feedback`: one actionable paragraph built from the issues, blocking ones
//! first. Never a bare "invalid".

use crate::model::{ReviewIssue, Verdict};

pub fn compose(verdict: Verdict, issues: &[ReviewIssue]) -> String {
    let mut blocking: Vec<&str> = Vec::new();
    let mut notes: Vec<&str> = Vec::new();
    for issue in issues {
        let list = if issue.severity.rejects() {
            &mut blocking
        } else {
            &mut notes
        };
        let remediation = issue.remediation.trim();
        if !remediation.is_empty() && !list.contains(&remediation) {
            list.push(remediation);
        }
    }
    let numbered = |items: &[&str]| {
        items
            .iter()
            .enumerate()
            .map(|(i, item)| format!("({}) {}", i + 1, item.trim_end_matches('.')))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("1 {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    let blocking_count = issues.iter().filter(|i| i.severity.rejects()).count();
    let note_count = issues.len() - blocking_count;
    let paragraph = match verdict {
        Verdict::Rejected if blocking.is_empty() => {
            "Rejected. Review the issues listed in this decision and address each of them."
                .to_owned()
        }
        Verdict::Rejected => {
            let mut text = format!(
                "Rejected because of {}. To fix: {}.",
                plural(blocking_count, "blocking issue"),
                numbered(&blocking)
            );
            if !notes.is_empty() {
                text.push_str(&format!(" Also worth fixing: {}.", numbered(&notes)));
            }
            text
        }
        Verdict::Approved if notes.is_empty() => String::new(),
        Verdict::Approved => format!(
            "Approved with {}: {}.",
            plural(note_count, "note"),
            numbered(&notes)
        ),
    };
    paragraph.replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{IssueKind, Severity};

    fn issue(severity: Severity, remediation: &str) -> ReviewIssue {
        ReviewIssue::new(IssueKind::PolicyViolation, severity, "d", remediation)
    }

    #[test]
    fn rejection_lists_every_distinct_fix_blocking_first() {
        let text = compose(
            Verdict::Rejected,
            &[
                issue(Severity::Minor, "Shorten the intro."),
                issue(Severity::Major, "Add a non-empty '## Risks' section."),
                issue(Severity::Critical, "Remove the AWS key."),
                issue(Severity::Major, "Add a non-empty '## Risks' section."),
            ],
        );
        assert_eq!(
            text,
            "Rejected because of 3 blocking issues. To fix: (1) Add a non-empty '## Risks' section; (2) Remove the AWS key. Also worth fixing: (1) Shorten the intro."
        );
    }

    #[test]
    fn clean_approval_has_no_feedback_and_notes_are_listed() {
        assert_eq!(compose(Verdict::Approved, &[]), "");
        assert_eq!(
            compose(
                Verdict::Approved,
                &[issue(Severity::Minor, "Cite a source\nplease.")]
            ),
            "Approved with 1 note: (1) Cite a source please."
        );
    }
}
