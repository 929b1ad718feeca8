//! Showing an orchestration's progress: a live line per task on a terminal, plain lines
//! otherwise, and the decision at the end.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use super::output::{enum_name, seconds};
use crate::api::pb;
use pb::orchestration_event::Kind;

pub struct Progress {
    live: Option<MultiProgress>,
    bars: HashMap<String, ProgressBar>,
    start: Option<prost_types::Timestamp>,
}

fn state_name(state: pb::TaskState) -> &'static str {
    match state {
        pb::TaskState::Unspecified => "?",
        pb::TaskState::Pending => "pending",
        pb::TaskState::Running => "running",
        pb::TaskState::Retrying => "retrying",
        pb::TaskState::Succeeded => "succeeded",
        pb::TaskState::Failed => "failed",
        pb::TaskState::TimedOut => "timed out",
        pb::TaskState::Skipped => "skipped",
        pb::TaskState::Cancelled => "cancelled",
    }
}

/// One line about a task update.
pub fn describe_task(update: &pb::TaskUpdate) -> String {
    let mut line = format!("{} {}", update.task_id, state_name(update.state()));
    if update.attempt > 1 || update.state() == pb::TaskState::Retrying {
        let _ = write!(line, " (attempt {})", update.attempt);
    }
    if let Some(wait) = seconds(update.retry_in.as_ref()) {
        let _ = write!(line, ", next in {wait:.2}s");
    }
    if let Some(elapsed) = seconds(update.elapsed.as_ref()) {
        let _ = write!(line, " after {elapsed:.2}s");
    }
    if !update.error.is_empty() {
        let _ = write!(line, ": {}", update.error);
    }
    line
}

/// The rows of a task: waiting, its own clock while it runs, and its outcome (which carries
/// the server's duration) once it ended. One time at a time.
fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_spinner())
}

const WAITING: &str = "{spinner} {prefix:<24} {wide_msg}";
const RUNNING: &str = "{spinner} {prefix:<24} {msg} {elapsed}";
const ENDED: &str = "  {prefix:<24} {wide_msg}";

impl Progress {
    /// Live lines only on a terminal that can redraw them: with `TERM=dumb` (or unset), or
    /// standard error redirected, indicatif draws nothing, and its lines would be lost.
    pub fn new(terminal: bool) -> Self {
        let live = terminal
            .then(MultiProgress::new)
            .filter(|live| !live.is_hidden());
        Self {
            live,
            bars: HashMap::new(),
            start: None,
        }
    }

    fn offset(&mut self, event: &pb::OrchestrationEvent) -> String {
        let Some(time) = &event.time else {
            return String::new();
        };
        let start = self.start.get_or_insert(*time);
        let delta =
            (time.seconds - start.seconds) as f64 + f64::from(time.nanos - start.nanos) / 1e9;
        format!("[{delta:>7.3}s] ")
    }

    fn line(&mut self, text: String) {
        match &self.live {
            Some(live) => {
                let _ = live.println(text);
            }
            // A reader gone (`| head`) must not panic the follower; the decision's own write
            // reports it.
            None => {
                let _ = super::output::emit(&format!("{text}\n"));
            }
        }
    }

    /// Shows one event; returns the result when it is the completed one.
    pub fn show(&mut self, event: &pb::OrchestrationEvent) -> Option<pb::OrchestrationResult> {
        let at = self.offset(event);
        match &event.kind {
            Some(Kind::Accepted(accepted)) => {
                self.line(format!(
                    "{at}run {} of {}: {} tasks in {} waves (criteria {} v{})",
                    accepted.run,
                    event.orchestration_id,
                    accepted.plan.len(),
                    accepted.wave_count,
                    accepted.review_criteria_id,
                    accepted.review_criteria_version
                ));
                if let Some(live) = &self.live {
                    for bar in self.bars.values() {
                        bar.finish_and_clear();
                    }
                    self.bars.clear();
                    let waiting = style(WAITING);
                    for task in &accepted.plan {
                        let bar = live.add(ProgressBar::new_spinner());
                        bar.set_style(waiting.clone());
                        bar.set_prefix(task.task_id.clone());
                        bar.set_message(format!("pending (wave {})", task.wave));
                        bar.enable_steady_tick(Duration::from_millis(120));
                        self.bars.insert(task.task_id.clone(), bar);
                    }
                }
            }
            Some(Kind::Task(update)) => match self.bars.get(&update.task_id) {
                Some(bar) => show_on_bar(bar, update),
                None => {
                    let line = describe_task(update);
                    self.line(format!("{at}task {line}"));
                }
            },
            Some(Kind::Review(review)) => match review.decision.as_ref() {
                None => self.line(format!("{at}review started")),
                Some(decision) => self.line(format!(
                    "{at}review decided: {} by {} (confidence {:.2})",
                    verdict_name(decision.verdict()),
                    decision.reviewer,
                    decision.confidence
                )),
            },
            Some(Kind::StateChanged(change)) => {
                self.line(format!(
                    "{at}state {}: {}",
                    state_label(change.state()),
                    change.reason
                ));
                if change.state() == pb::OrchestrationState::AwaitingHuman {
                    self.line(resolve_hint(&event.orchestration_id));
                }
            }
            Some(Kind::Completed(completed)) => return completed.result.clone(),
            None => {}
        }
        None
    }

    pub fn finish(&mut self) {
        for bar in self.bars.values() {
            if !bar.is_finished() {
                bar.abandon();
            }
        }
    }
}

/// A task's update on its live row: the spinner's clock starts when it runs, and its outcome
/// replaces the clock with the server's duration.
fn show_on_bar(bar: &ProgressBar, update: &pb::TaskUpdate) {
    let text = describe_task(update);
    let message = text
        .strip_prefix(&update.task_id)
        .unwrap_or(&text)
        .trim()
        .to_owned();
    match update.state() {
        pb::TaskState::Running | pb::TaskState::Retrying => {
            if update.state() == pb::TaskState::Running {
                bar.reset_elapsed();
            }
            bar.set_style(style(RUNNING));
            bar.set_message(message);
        }
        pb::TaskState::Pending | pb::TaskState::Unspecified => bar.set_message(message),
        ended => {
            let mark = if ended == pb::TaskState::Succeeded {
                "✓"
            } else {
                "✗"
            };
            bar.set_style(style(ENDED));
            bar.finish_with_message(format!("{mark} {message}"));
        }
    }
}

/// What to do about an orchestration waiting for a human.
pub fn resolve_hint(orchestration_id: &str) -> String {
    format!(
        "the review escalated to a human: read the output with `orchestrator get {orchestration_id} --escalated`, then decide with `orchestrator resolve {orchestration_id} --approve` or `--reject`, with `--comment \"why\"` (or in the web console); this waits until then"
    )
}

fn verdict_name(verdict: pb::ReviewVerdict) -> &'static str {
    match verdict {
        pb::ReviewVerdict::Approved => "APPROVED",
        pb::ReviewVerdict::Rejected => "REJECTED",
        pb::ReviewVerdict::Unspecified => "?",
    }
}

pub fn state_label(state: pb::OrchestrationState) -> &'static str {
    enum_name(state.as_str_name(), "ORCHESTRATION_STATE_")
}

/// The final word: state, decision, issues, output.
pub fn summary(result: &pb::OrchestrationResult) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "\n{} {} after {} run(s)",
        result.orchestration_id,
        state_label(result.state()),
        result.runs
    );
    if !result.error.is_empty() {
        let _ = writeln!(text, "reason: {}", result.error);
    }
    if let Some(decision) = &result.review {
        text.push_str(&decision_lines(decision));
    }
    if !result.output.is_empty() {
        let _ = writeln!(text, "\n{}", result.output.trim_end());
    }
    text
}

/// A review decision: verdict, feedback, each issue and each redaction.
pub fn decision_lines(decision: &pb::ReviewDecision) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "decision {}: {} by {} with confidence {:.2} (criteria {} v{})",
        decision.decision_id,
        verdict_name(decision.verdict()),
        decision.reviewer,
        decision.confidence,
        decision.review_criteria_id,
        decision.review_criteria_version
    );
    if !decision.feedback.is_empty() {
        let _ = writeln!(text, "feedback: {}", decision.feedback);
    }
    for issue in &decision.issues {
        let kind = enum_name(issue.kind().as_str_name(), "ISSUE_KIND_");
        let severity = enum_name(issue.severity().as_str_name(), "SEVERITY_");
        let _ = writeln!(text, "  - {severity} {kind}: {}", issue.description);
    }
    for redaction in &decision.redactions {
        let _ = writeln!(
            text,
            "  redacted {} × {}",
            redaction.count, redaction.category
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_lines_say_what_happened() {
        let update = pb::TaskUpdate {
            task_id: "fetch".into(),
            state: pb::TaskState::Retrying as i32,
            attempt: 2,
            error: "503".into(),
            retry_in: Some(prost_types::Duration {
                seconds: 1,
                nanos: 0,
            }),
            ..Default::default()
        };
        assert_eq!(
            describe_task(&update),
            "fetch retrying (attempt 2), next in 1.00s: 503"
        );
    }
}
