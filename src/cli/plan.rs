//! Plan files for `orchestrator run`: YAML (or JSON) in the shape of the API's
//! `OrchestrationSpec`, with durations written as `30s` or `1m 30s`. `run` checks only the
//! syntax and leaves the rest to the server; `plan validate` checks everything the server would,
//! without one.

use std::path::Path;

use super::args::PlanCommand;
use super::{CliError, Outcome, output};
use crate::agents::AgentRegistry;
use crate::api::convert::orchestration::{spec_from_proto, spec_to_proto};
use crate::config::{FlagOverrides, Settings};
use crate::model::FieldViolation;
use crate::model::plan::OrchestrationSpec;
use crate::service::PlanRules;

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not a valid plan: {message}")]
    Parse { path: String, message: String },
    #[error("{path} is not a valid plan:{}", list(.violations))]
    Invalid {
        path: String,
        violations: Vec<FieldViolation>,
    },
    #[error("cannot check plans against these settings: {0}")]
    Settings(String),
}

/// `plan validate` and `plan schema`, neither of which needs a server.
pub fn execute(command: PlanCommand) -> Result<Outcome, CliError> {
    let text = match command {
        PlanCommand::Validate(args) => {
            let checked = validate(&args.plan, args.config.as_deref())?;
            format!(
                "{}: valid, {} tasks in {} waves\n",
                args.plan, checked.tasks, checked.waves
            )
        }
        PlanCommand::Schema => serde_json::to_string_pretty(&schema())
            .map(|text| text + "\n")
            .map_err(|error| CliError::Internal(error.to_string()))?,
    };
    output::emit(&text)?;
    Ok(Outcome::Done)
}

/// One violation a line, named by its path in the file.
fn list(violations: &[FieldViolation]) -> String {
    super::violation_lines(
        violations
            .iter()
            .map(|violation| (violation.field.as_str(), violation.description.as_str())),
    )
}

/// What `plan validate` reports for a valid plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub tasks: usize,
    pub waves: u32,
}

/// Checks a plan file as the server with these settings (`None`: the defaults and the
/// `ORCHESTRATOR_*` variables, as `serve` reads them) would check a request carrying it: the
/// spec as `run` sends it, read back as the server reads it, then the server's rules. What
/// needs the store (that named criteria exist) is left to the server.
pub fn validate(path: &str, settings_file: Option<&Path>) -> Result<Checked, PlanError> {
    let settings = Settings::load(settings_file, &FlagOverrides::default())
        .map_err(|error| PlanError::Settings(error.to_string()))?;
    let agents = AgentRegistry::for_plans(&settings.agents)
        .map_err(|error| PlanError::Settings(error.to_string()))?;
    let (limits, defaults) = settings.plan_limits();
    let rules = PlanRules {
        agents,
        limits,
        defaults,
    };
    let (spec, mut violations) = spec_from_proto(spec_to_proto(&load(path)?));
    let checked = rules.check(&spec);
    if let Err(found) = &checked {
        violations.extend(found.iter().cloned());
    }
    match checked {
        Ok(plan) if violations.is_empty() => Ok(Checked {
            tasks: plan.tasks.len(),
            waves: plan.wave_count,
        }),
        // The file is the spec: its paths start below `spec.`.
        _ => Err(PlanError::Invalid {
            path: path.to_owned(),
            violations: violations
                .into_iter()
                .map(|violation| {
                    let field = violation
                        .field
                        .strip_prefix("spec.")
                        .unwrap_or(&violation.field);
                    FieldViolation::new(field, violation.description.clone())
                })
                .collect(),
        }),
    }
}

/// The JSON Schema of plan files (draft-07, which editors' YAML and JSON support reads),
/// derived from the very types `parse` reads into.
pub fn schema() -> serde_json::Value {
    let generator = schemars::generate::SchemaSettings::draft07().into_generator();
    generator
        .into_root_schema_for::<OrchestrationSpec>()
        .to_value()
}

pub fn parse(path: &str, text: &str) -> Result<OrchestrationSpec, PlanError> {
    serde_norway::from_str(text).map_err(|e| PlanError::Parse {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

pub fn load(path: &str) -> Result<OrchestrationSpec, PlanError> {
    let text = std::fs::read_to_string(path).map_err(|source| PlanError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse(path, &text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::convert::orchestration::spec_to_proto;

    #[test]
    fn a_plan_reads_into_the_api_shape() {
        let plan = parse(
            "plan.yaml",
            r#"
input: Q3
max_parallelism: 4
default_task_timeout: 30s
tasks:
  - id: facts
    agent: mock
    params: {delay_ms: 200, output: "Revenue grew."}
    retry_policy: {max_retries: 2, initial_backoff: 250ms}
  - id: summary
    agent: echo
    input: "Summary of {{tasks.facts.output}}"
    depends_on: [facts]
    section: Summary
"#,
        )
        .unwrap();
        let spec = spec_to_proto(&plan);
        assert_eq!(spec.tasks.len(), 2);
        assert_eq!(spec.default_task_timeout.unwrap().seconds, 30);
        let retry = spec.tasks[0].retry_policy.as_ref().unwrap();
        assert_eq!(retry.initial_backoff.unwrap().nanos, 250_000_000);
        assert_eq!(retry.max_retries, Some(2));
        assert!(spec.tasks[1].retry_policy.is_none());
        let delay = &spec.tasks[0].params.as_ref().unwrap().fields["delay_ms"];
        assert_eq!(
            delay.kind,
            Some(prost_types::value::Kind::NumberValue(200.0))
        );
        assert_eq!(spec.tasks[1].depends_on, ["facts"]);
        assert_eq!(spec.tasks[1].section, "Summary");
    }

    #[test]
    fn typos_and_bad_durations_are_errors() {
        let typo = parse(
            "p",
            "tasks:\n  - id: a\n    agent: mock\n    dependson: [b]\n",
        )
        .unwrap_err();
        assert!(typo.to_string().contains("dependson"), "{typo}");
        let duration = parse(
            "p",
            "tasks:\n  - id: a\n    agent: mock\n    timeout: soon\n",
        )
        .unwrap_err();
        assert!(duration.to_string().contains("timeout"), "{duration}");
    }
}
