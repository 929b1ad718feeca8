//! Consistency: succeeded tasks that state different values for the same key.

use super::Subject;
use crate::model::{IssueKind, ReviewIssue, Severity, TaskState};
use crate::review::consistency;

pub fn issues(subject: &Subject<'_>) -> Vec<ReviewIssue> {
    let scrub = subject.scrub;
    let mut issues = Vec::new();
    let succeeded = subject
        .tasks
        .iter()
        .filter(|t| t.state == TaskState::Succeeded)
        .map(|t| (t.task_id.as_str(), t.output.as_str()));
    for conflict in consistency::conflicts(succeeded) {
        let others = conflict.holders.saturating_sub(2);
        let more = if others > 0 {
            format!(" ({others} more tasks also set it)")
        } else {
            String::new()
        };
        issues.push(
            ReviewIssue::new(
                IssueKind::Inconsistency,
                Severity::Major,
                scrub(&format!(
                    "Tasks '{}' and '{}' disagree on '{}': {} versus {}{more}.",
                    conflict.first_task,
                    conflict.second_task,
                    conflict.key,
                    conflict.first_value,
                    conflict.second_value
                )),
                format!(
                    "Make tasks '{}' and '{}' agree on '{}'",
                    conflict.first_task, conflict.second_task, conflict.key
                ),
            )
            .for_task(conflict.second_task),
        );
    }
    issues
}
