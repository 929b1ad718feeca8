//! Quality thresholds: output length, the share of tasks that succeeded, confidence.

use super::Subject;
use crate::model::{IssueKind, ReviewIssue, Severity, TaskState};
use crate::review::ReviewedTask;

pub fn issues(subject: &Subject<'_>) -> Vec<ReviewIssue> {
    let (raw, tasks) = (subject.raw, subject.tasks);
    let thresholds = &subject.criteria.thresholds;
    let mut issues = Vec::new();
    let chars = raw.chars().count();
    if let Some(min) = thresholds.min_output_chars
        && chars < min as usize
    {
        issues.push(ReviewIssue::new(
            IssueKind::QualityThreshold,
            Severity::Major,
            format!("The output has {chars} characters; at least {min} are required."),
            format!("Expand the output to at least {min} characters"),
        ));
    }
    if let Some(max) = thresholds.max_output_chars
        && chars > max as usize
    {
        issues.push(ReviewIssue::new(
            IssueKind::QualityThreshold,
            Severity::Major,
            format!("The output has {chars} characters; at most {max} are allowed."),
            format!("Shorten the output to at most {max} characters"),
        ));
    }
    if tasks.is_empty() {
        return issues; // the task thresholds have nothing to look at (a dry run on text)
    }
    if let Some(min) = thresholds.min_task_success_ratio {
        let succeeded = tasks
            .iter()
            .filter(|t| t.state == TaskState::Succeeded)
            .count();
        let ratio = succeeded as f64 / tasks.len() as f64;
        if ratio < min {
            let failed: Vec<&str> = tasks
                .iter()
                .filter(|t| t.state != TaskState::Succeeded)
                .map(|t| t.task_id.as_str())
                .collect();
            issues.push(ReviewIssue::new(
                IssueKind::QualityThreshold,
                Severity::Major,
                format!(
                    "{succeeded} of {} tasks succeeded ({ratio:.2}); at least {min:.2} is required.",
                    tasks.len()
                ),
                format!("Make these tasks succeed: {}", failed.join(", ")),
            ));
        }
    }
    if let Some(min) = thresholds.min_confidence {
        let succeeded: Vec<&ReviewedTask> = tasks
            .iter()
            .filter(|t| t.state == TaskState::Succeeded)
            .collect();
        let mut reported = 0;
        for task in &succeeded {
            let Some(confidence) = task.confidence else {
                continue;
            };
            reported += 1;
            if confidence < min {
                issues.push(
                    ReviewIssue::new(
                        IssueKind::QualityThreshold,
                        Severity::Major,
                        format!(
                            "Task '{}' reported confidence {confidence:.2}; at least {min:.2} is required.",
                            task.task_id
                        ),
                        format!(
                            "Improve the answer of task '{}' until its agent is at least {min:.2} confident",
                            task.task_id
                        ),
                    )
                    .in_section(task.section.clone())
                    .for_task(task.task_id.clone()),
                );
            }
        }
        if reported == 0 && !succeeded.is_empty() {
            issues.push(ReviewIssue::new(
                IssueKind::QualityThreshold,
                Severity::Minor,
                format!("No succeeded task reported a confidence, so min_confidence ({min:.2}) could not be checked."),
                "Use agents that report a confidence with their output",
            ));
        }
    }
    issues
}
