//! Required sections: each present and not empty, naming the task meant to fill it.

use super::Subject;
use crate::model::{IssueKind, ReviewIssue, Severity, TaskState};
use crate::review::sections;

pub fn issues(subject: &Subject<'_>) -> Vec<ReviewIssue> {
    let Subject {
        criteria,
        raw,
        parsed,
        scrub,
        ..
    } = *subject;
    let mut issues = Vec::new();
    let section_task = |name: &str| {
        let wanted = sections::normalize_name(name);
        subject
            .tasks
            .iter()
            .find(|task| sections::normalize_name(&task.section) == wanted)
    };
    for name in &criteria.required_sections {
        let wanted = sections::normalize_name(name);
        let present = parsed
            .iter()
            .find(|s| sections::normalize_name(s.name) == wanted);
        let task = section_task(name);
        let filler = match task {
            Some(task) if task.state != TaskState::Succeeded => format!(
                " Task '{}', which fills it, {}{}.",
                task.task_id,
                task.state.describe(),
                task.error
                    .as_deref()
                    .map(|e| format!(": {}", scrub(e)))
                    .unwrap_or_default()
            ),
            Some(task) => format!(" Task '{}' fills it.", task.task_id),
            None => String::new(),
        };
        let (description, remediation) = match present {
            None => (
                format!("The required section '{name}' is missing.{filler}"),
                format!("Add a non-empty '## {name}' section"),
            ),
            Some(section) if section.is_empty_in(raw) => (
                format!("The required section '{name}' is empty.{filler}"),
                format!("Write content under the '## {name}' heading"),
            ),
            Some(_) => continue,
        };
        let mut issue = ReviewIssue::new(
            IssueKind::MissingSection,
            Severity::Major,
            description,
            remediation,
        )
        .in_section(name.clone());
        if let Some(task) = task {
            issue = issue.for_task(task.task_id.clone());
        }
        issues.push(issue);
    }
    issues
}
