//! Tasks that did not succeed: major when they fill a required section.

use super::Subject;
use crate::model::{IssueKind, ReviewIssue, Severity, TaskState};
use crate::review::sections;

pub fn issues(subject: &Subject<'_>) -> Vec<ReviewIssue> {
    let Subject {
        criteria, scrub, ..
    } = *subject;
    let required: Vec<String> = criteria
        .required_sections
        .iter()
        .map(|name| sections::normalize_name(name))
        .collect();
    let mut issues = Vec::new();
    for task in subject
        .tasks
        .iter()
        .filter(|t| t.state != TaskState::Succeeded && t.state.is_terminal())
    {
        let fills_required = required.contains(&sections::normalize_name(&task.section));
        let severity = if fills_required {
            Severity::Major
        } else {
            Severity::Minor
        };
        let error = task
            .error
            .as_deref()
            .map(|e| format!(": {}", scrub(e)))
            .unwrap_or_default();
        let remediation = match task.state {
            TaskState::TimedOut => format!(
                "Give task '{}' a longer timeout or make its agent answer faster",
                task.task_id
            ),
            TaskState::Skipped => format!(
                "Make the dependencies of task '{}' succeed so that it can run",
                task.task_id
            ),
            TaskState::Cancelled => format!("Run task '{}' to completion", task.task_id),
            _ => format!(
                "Fix the cause of the failure of task '{}'{}",
                task.task_id, error
            ),
        };
        issues.push(
            ReviewIssue::new(
                IssueKind::TaskFailed,
                severity,
                format!(
                    "Task '{}' {}{}.",
                    task.task_id,
                    task.state.describe(),
                    error
                ),
                remediation,
            )
            .in_section(task.section.clone())
            .for_task(task.task_id.clone()),
        );
    }
    issues
}
