//! `criteria …`: review criteria from YAML or JSON files in the API's JSON form (what
//! `criteria get` prints, and grpcurl sends), checked strictly: a misspelt field is an error
//! naming its path, not a setting silently ignored.

use std::io::Read as _;

use prost_reflect::DynamicMessage;

use super::args::{
    CriteriaDeleteArgs, CriteriaFileArgs, CriteriaGetArgs, CriteriaListArgs, DocumentFormat,
    EvaluateArgs,
};
use super::connection::Connection;
use super::output::{self, enum_name};
use super::{CliError, Outcome, progress};
use crate::api::pb;

const CRITERIA: &str = "orchestrator.v1.ReviewCriteria";

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not valid YAML or JSON: {message}")]
    Syntax { path: String, message: String },
    #[error("{path}: {message}")]
    Shape { path: String, message: String },
}

/// A file's text; `-` is standard input.
pub fn read_text(path: &str) -> Result<String, FileError> {
    let failed = |source| FileError::Read {
        path: path.to_owned(),
        source,
    };
    if path == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map_err(failed)?;
        return Ok(text);
    }
    std::fs::read_to_string(path).map_err(failed)
}

/// A message of the API from YAML or JSON text (JSON is YAML), refusing unknown fields.
pub fn parse_message<M: prost::Message + Default>(
    path: &str,
    text: &str,
    name: &str,
) -> Result<M, CliError> {
    let value: serde_json::Value =
        serde_norway::from_str(text).map_err(|error| FileError::Syntax {
            path: path.to_owned(),
            message: error.to_string(),
        })?;
    let descriptor = output::descriptor(name)?;
    let mut track = serde_path_to_error::Track::new();
    let tracked = serde_path_to_error::Deserializer::new(value, &mut track);
    let message = DynamicMessage::deserialize(descriptor, tracked).map_err(|error| {
        let at = track.path().to_string();
        let message = match at.as_str() {
            "." | "" => error.to_string(),
            _ => format!("{at}: {error}"),
        };
        FileError::Shape {
            path: path.to_owned(),
            message,
        }
    })?;
    message
        .transcode_to()
        .map_err(|error| CliError::Internal(error.to_string()))
}

pub fn load(path: &str) -> Result<pb::ReviewCriteria, CliError> {
    parse_message(path, &read_text(path)?, CRITERIA)
}

fn print_criteria(criteria: &pb::ReviewCriteria, format: DocumentFormat) -> Result<(), CliError> {
    output::print(criteria, CRITERIA, format.into(), |_| String::new())
}

/// Whether `criteria create` or `criteria update` writes the file.
#[derive(Debug, Clone, Copy)]
pub enum Write {
    Create,
    Update,
}

impl Connection {
    /// Creates or replaces criteria from a file and prints them as stored.
    pub async fn write_criteria(
        &mut self,
        write: Write,
        args: &CriteriaFileArgs,
    ) -> Result<Outcome, CliError> {
        let criteria = Some(load(&args.file)?);
        let written = match write {
            Write::Create => {
                let request = self.request(pb::CreateReviewCriteriaRequest { criteria });
                let answer = self.criteria.create_review_criteria(request).await;
                answer.map(|answer| answer.into_inner().criteria)
            }
            Write::Update => {
                let request = self.request(pb::UpdateReviewCriteriaRequest { criteria });
                let answer = self.criteria.update_review_criteria(request).await;
                answer.map(|answer| answer.into_inner().criteria)
            }
        };
        let criteria = written
            .map_err(|status| self.failed(status))?
            .unwrap_or_default();
        let verb = match write {
            Write::Create => "created",
            Write::Update => "updated",
        };
        eprintln!("{verb} criteria {} v{}", criteria.id, criteria.version);
        print_criteria(&criteria, args.output)?;
        Ok(Outcome::Done)
    }

    pub async fn get_criteria(&mut self, args: &CriteriaGetArgs) -> Result<Outcome, CliError> {
        let request = self.request(pb::GetReviewCriteriaRequest {
            id: args.id.clone(),
        });
        let found = self.criteria.get_review_criteria(request).await;
        let found = found.map_err(|status| self.failed(status))?.into_inner();
        print_criteria(&found.criteria.unwrap_or_default(), args.output)?;
        Ok(Outcome::Done)
    }

    pub async fn list_criteria(&mut self, args: &CriteriaListArgs) -> Result<Outcome, CliError> {
        let request = self.request(pb::ListReviewCriteriaRequest {
            page_size: args.page_size,
            page_token: args.page_token.clone().unwrap_or_default(),
        });
        let page = self.criteria.list_review_criteria(request).await;
        let page = page.map_err(|status| self.failed(status))?.into_inner();
        let name = "orchestrator.v1.ListReviewCriteriaResponse";
        output::print(&page, name, args.output, |page| {
            let rows: Vec<Vec<String>> = page.criteria.iter().map(criteria_row).collect();
            let header = ["ID", "VERSION", "NAME", "REJECT ACTION", "UPDATED"];
            super::next_page_hint(&page.next_page_token);
            output::table(&header, &rows)
        })?;
        Ok(Outcome::Done)
    }

    pub async fn delete_criteria(
        &mut self,
        args: &CriteriaDeleteArgs,
    ) -> Result<Outcome, CliError> {
        let request = self.request(pb::DeleteReviewCriteriaRequest {
            id: args.id.clone(),
            version: args.version,
        });
        let deleted = self.criteria.delete_review_criteria(request).await;
        deleted.map_err(|status| self.failed(status))?;
        eprintln!("deleted criteria {}", args.id);
        Ok(Outcome::Done)
    }

    /// Exit 0 when the output passes, 1 when the review does not approve it: usable as a
    /// check in a script.
    pub async fn evaluate(&mut self, args: &EvaluateArgs) -> Result<Outcome, CliError> {
        use pb::evaluate_review_request::CriteriaSource;
        if args.output_file == "-" && args.file.as_deref() == Some("-") {
            return Err(CliError::Invalid {
                what: "input: standard input can be the output or the criteria, not both",
                value: "-".into(),
            });
        }
        let source = match (&args.id, &args.file) {
            (Some(id), _) => Some(CriteriaSource::ReviewCriteriaId(id.clone())),
            (None, Some(file)) => Some(CriteriaSource::InlineCriteria(load(file)?)),
            (None, None) => None,
        };
        let request = self.request(pb::EvaluateReviewRequest {
            output: read_text(&args.output_file)?,
            criteria_source: source,
            tasks: Vec::new(),
        });
        let answer = self.criteria.evaluate_review(request).await;
        let answer = answer.map_err(|status| self.failed(status))?.into_inner();
        let name = "orchestrator.v1.EvaluateReviewResponse";
        output::print(&answer, name, args.output, evaluation)?;
        let approved = answer
            .decision
            .as_ref()
            .is_some_and(|decision| decision.verdict() == pb::ReviewVerdict::Approved);
        Ok(if approved {
            Outcome::Done
        } else {
            Outcome::NotApproved
        })
    }
}

fn criteria_row(criteria: &pb::ReviewCriteria) -> Vec<String> {
    vec![
        criteria.id.clone(),
        criteria.version.to_string(),
        criteria.display_name.clone(),
        enum_name(criteria.reject_action().as_str_name(), "REJECT_ACTION_").to_owned(),
        output::time(criteria.update_time.as_ref()),
    ]
}

/// The decision, each finding, then the output as the review left it.
fn evaluation(answer: &pb::EvaluateReviewResponse) -> String {
    let mut text = match &answer.decision {
        Some(decision) => progress::decision_lines(decision),
        None => String::new(),
    };
    for finding in &answer.findings {
        text.push_str(&format!(
            "  found {} at bytes {}..{} ({})\n",
            finding.category, finding.start, finding.end, finding.detector
        ));
    }
    text.push_str(&format!("\n{}\n", answer.redacted_output.trim_end()));
    text
}
