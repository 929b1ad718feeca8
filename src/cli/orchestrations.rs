//! The orchestration commands: `run` submits a plan file and can follow it, `watch` follows one
//! that exists, `list`, `get`, `cancel` and `resolve` do what the API's calls of those names do.

use std::io::IsTerminal as _;

use super::args::{CancelArgs, GetArgs, ListArgs, ResolveArgs};
use super::connection::Connection;
use super::output::{self, enum_name};
use super::progress::{self, Progress};
use super::{CliError, Outcome, plan};
use crate::api::convert::orchestration::spec_to_proto;
use crate::api::pb;

impl Connection {
    /// Submits a plan file; prints the orchestration id, then follows it when asked.
    pub async fn run(
        &mut self,
        path: &str,
        request_id: Option<&str>,
        follow: bool,
    ) -> Result<Outcome, CliError> {
        let plan = plan::load(path)?;
        let request = self.request(pb::SubmitOrchestrationRequest {
            request_id: request_id.unwrap_or_default().to_owned(),
            spec: Some(spec_to_proto(&plan)),
        });
        let submitted = self.orchestrations.submit_orchestration(request).await;
        let submitted = submitted
            .map_err(|status| self.failed(status))?
            .into_inner();
        let note = if submitted.created {
            ""
        } else {
            " (existing: same request id)"
        };
        eprintln!("orchestration {}{note}", submitted.orchestration_id);
        if !follow {
            output::emit(&format!("{}\n", submitted.orchestration_id))?;
            return Ok(Outcome::Done);
        }
        self.watch(&submitted.orchestration_id, 0).await
    }

    /// Follows an orchestration's events to its end and prints the decision.
    pub async fn watch(&mut self, orchestration_id: &str, after: u64) -> Result<Outcome, CliError> {
        let request = self.request(pb::StreamStatusRequest {
            orchestration_id: orchestration_id.to_owned(),
            after_sequence: after,
        });
        let stream = self.orchestrations.stream_status(request).await;
        let mut stream = stream.map_err(|status| self.failed(status))?.into_inner();
        let mut progress = Progress::new(std::io::stdout().is_terminal());
        let mut last = after;
        loop {
            let message = match stream.message().await {
                Ok(Some(message)) => message,
                Ok(None) => break,
                Err(status) => {
                    progress.finish();
                    let error = self.failed(status);
                    if let CliError::Lost { .. } = error {
                        eprintln!(
                            "orchestrator: the orchestration goes on without this view; follow it again with `orchestrator watch {orchestration_id} --after {last}`"
                        );
                    }
                    return Err(error);
                }
            };
            let Some(event) = message.event else {
                continue;
            };
            last = last.max(event.sequence);
            if let Some(result) = progress.show(&event) {
                progress.finish();
                output::emit(&progress::summary(&result))?;
                return Ok(outcome(result.state()));
            }
        }
        progress.finish();
        Err(CliError::Rpc(tonic::Status::unavailable(
            "the event stream ended before the orchestration completed; `orchestrator watch` can pick it up again",
        )))
    }

    pub async fn list(&mut self, args: &ListArgs) -> Result<Outcome, CliError> {
        let request = self.request(pb::ListOrchestrationsRequest {
            page_size: args.page_size,
            page_token: args.page_token.clone().unwrap_or_default(),
            states: args.states.iter().map(|s| s.to_proto() as i32).collect(),
            request_id: args.request_id.clone().unwrap_or_default(),
        });
        let page = self.orchestrations.list_orchestrations(request).await;
        let page = page.map_err(|status| self.failed(status))?.into_inner();
        let name = "orchestrator.v1.ListOrchestrationsResponse";
        output::print(&page, name, args.output, |page| {
            let rows: Vec<Vec<String>> = page.orchestrations.iter().map(list_row).collect();
            let header = ["ID", "STATE", "CREATED", "DURATION", "RUNS", "REQUEST ID"];
            super::next_page_hint(&page.next_page_token);
            output::table(&header, &rows)
        })?;
        Ok(Outcome::Done)
    }

    pub async fn get(&mut self, args: &GetArgs) -> Result<Outcome, CliError> {
        let view = if args.escalated {
            pb::OrchestrationView::Escalation
        } else {
            pb::OrchestrationView::Basic
        };
        let request = self.request(pb::GetOrchestrationRequest {
            orchestration_id: args.orchestration_id.clone(),
            view: view as i32,
        });
        let found = self.orchestrations.get_orchestration(request).await;
        let found = found.map_err(|status| self.failed(status))?.into_inner();
        let name = "orchestrator.v1.GetOrchestrationResponse";
        output::print(&found, name, args.output, details)?;
        Ok(Outcome::Done)
    }

    pub async fn cancel(&mut self, args: &CancelArgs) -> Result<Outcome, CliError> {
        let request = self.request(pb::CancelOrchestrationRequest {
            orchestration_id: args.orchestration_id.clone(),
            reason: args.reason.clone().unwrap_or_default(),
        });
        let cancelled = self.orchestrations.cancel_orchestration(request).await;
        let cancelled = cancelled
            .map_err(|status| self.failed(status))?
            .into_inner();
        let state = progress::state_label(cancelled.state());
        output::emit(&format!("{} {state}\n", args.orchestration_id))?;
        Ok(Outcome::Done)
    }

    /// Exit 0 once the decision is recorded, whichever it was: the command did what it was
    /// asked.
    pub async fn resolve(&mut self, args: ResolveArgs) -> Result<Outcome, CliError> {
        let reviewer = args
            .reviewer
            .or_else(|| std::env::var("USER").ok())
            .or_else(|| std::env::var("LOGNAME").ok())
            .unwrap_or_default();
        let request = self.request(pb::ResolveEscalationRequest {
            orchestration_id: args.orchestration_id,
            approve: args.approve,
            reviewer,
            comment: args.comment.unwrap_or_default(),
        });
        let resolved = self.orchestrations.resolve_escalation(request).await;
        let resolved = resolved.map_err(|status| self.failed(status))?.into_inner();
        output::emit(&progress::summary(
            &resolved.orchestration.unwrap_or_default(),
        ))?;
        Ok(Outcome::Done)
    }
}

/// What `run --follow` and `watch` exit with.
fn outcome(state: pb::OrchestrationState) -> Outcome {
    if state == pb::OrchestrationState::Approved {
        Outcome::Done
    } else {
        Outcome::NotApproved
    }
}

fn list_row(result: &pb::OrchestrationResult) -> Vec<String> {
    vec![
        result.orchestration_id.clone(),
        progress::state_label(result.state()).to_owned(),
        output::time(result.create_time.as_ref()),
        output::duration(result.total_duration.as_ref()),
        result.runs.to_string(),
        result.request_id.clone(),
    ]
}

/// One orchestration for people: its fields, a table of its tasks, the decision and the output.
fn details(found: &pb::GetOrchestrationResponse) -> String {
    let Some(result) = &found.orchestration else {
        return String::new();
    };
    let labels: Vec<String> = result
        .labels
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect();
    let criteria = match result.review_criteria_id.as_str() {
        "" => String::new(),
        id => format!("{id} v{}", result.review_criteria_version),
    };
    let mut text = output::fields(&[
        ("id", result.orchestration_id.clone()),
        ("state", progress::state_label(result.state()).to_owned()),
        ("request id", result.request_id.clone()),
        ("criteria", criteria),
        ("runs", result.runs.to_string()),
        ("created", output::time(result.create_time.as_ref())),
        ("ended", output::time(result.end_time.as_ref())),
        ("duration", output::duration(result.total_duration.as_ref())),
        ("labels", labels.join(", ")),
        ("reason", result.error.clone()),
    ]);
    if !result.tasks.is_empty() {
        let rows: Vec<Vec<String>> = result.tasks.iter().map(task_row).collect();
        text.push('\n');
        text.push_str(&output::table(
            &["TASK", "STATE", "ATTEMPTS", "DURATION", "ERROR"],
            &rows,
        ));
    }
    if let Some(decision) = &result.review {
        text.push('\n');
        text.push_str(&progress::decision_lines(decision));
    }
    for (title, body) in [
        ("output", &result.output),
        ("escalated output", &found.escalated_output),
    ] {
        if !body.is_empty() {
            text.push_str(&format!("\n{title}:\n{}\n", body.trim_end()));
        }
    }
    text
}

fn task_row(task: &pb::TaskResult) -> Vec<String> {
    vec![
        task.task_id.clone(),
        enum_name(task.state().as_str_name(), "TASK_STATE_").to_owned(),
        task.attempts.to_string(),
        output::duration(task.duration.as_ref()),
        task.error.clone(),
    ]
}
