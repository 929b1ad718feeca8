//! `orchestrator.v1.ReviewCriteriaService`: criteria CRUD per tenant, and dry-run reviews.

use std::sync::Arc;

use tonic::{Request, Response, Status};

use super::ApiError;
use super::convert::criteria::{
    criteria_from_proto, criteria_to_proto, decision_to_proto, finding_to_proto,
    reviewed_tasks_from_proto,
};
use super::paging::{decode_token, encode_token, page_size};
use super::pb;
use super::pb::review_criteria_service_server::ReviewCriteriaService;
use super::tenant::tenant_of;
use crate::catalog::CriteriaCatalog;
use crate::model::FieldViolation;
use crate::model::criteria::{BUILTIN_CRITERIA_ID, MAX_CRITERIA_ID_LEN};
use crate::model::validation::is_valid_id;
use crate::review::{CompiledCriteria, Pseudonyms, ReviewInput};
use crate::store::PageRequest;

const CRITERIA: &str = "review criteria";
/// Largest output EvaluateReview accepts.
pub const MAX_EVALUATE_OUTPUT_BYTES: usize = 4 * 1024 * 1024;
/// Most task results EvaluateReview accepts.
pub const MAX_EVALUATE_TASKS: usize = 1024;

pub struct ReviewCriteriaApi {
    catalog: Arc<CriteriaCatalog>,
    /// The agents a judge may name.
    agents: Vec<String>,
}

impl ReviewCriteriaApi {
    pub fn new(catalog: Arc<CriteriaCatalog>, agents: Vec<String>) -> Self {
        Self { catalog, agents }
    }

    /// Converts, validates and compiles criteria given in a request under `field`; violations
    /// are named by their full path (`criteria.policies[1].pattern`).
    fn parse_criteria(
        &self,
        field: &str,
        proto: Option<pb::ReviewCriteria>,
    ) -> Result<CompiledCriteria, Vec<FieldViolation>> {
        let proto = proto.ok_or_else(|| vec![FieldViolation::new(field, "is required")])?;
        let (criteria, mut violations) = criteria_from_proto(proto);
        violations.extend(self.check_judge(criteria.judge_agent.as_deref()));
        let under = |violations: Vec<FieldViolation>| -> Vec<FieldViolation> {
            violations.into_iter().map(|v| v.under(field)).collect()
        };
        match CompiledCriteria::compile(Arc::new(criteria)) {
            Ok(compiled) if violations.is_empty() => Ok(compiled),
            Ok(_) => Err(under(violations)),
            Err(more) => {
                violations.extend(more);
                Err(under(violations))
            }
        }
    }

    /// A judge must be an agent this server runs; otherwise the criteria would be accepted
    /// and fail only when an orchestration uses them.
    fn check_judge(&self, judge: Option<&str>) -> Option<FieldViolation> {
        let judge = judge?;
        (!self.agents.iter().any(|agent| agent == judge)).then(|| {
            FieldViolation::new(
                "judge_agent",
                format!(
                    "{judge:?} is not an agent of this server; configured: {}",
                    self.agents.join(", ")
                ),
            )
        })
    }
}

/// HASH pseudonyms of a dry run, keyed by a secret of that call alone: equal values still
/// match within the answer, but a caller cannot turn EvaluateReview into an oracle that maps
/// candidate values to the pseudonyms its tenant's real outputs carry.
fn dry_run_pseudonyms(tenant: &str) -> Result<Pseudonyms, ApiError> {
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret)
        .map_err(|error| ApiError::Internal(format!("no randomness for a dry run: {error}")))?;
    Ok(Pseudonyms::new(&secret, tenant))
}

fn check_id(field: &str, id: &str) -> Option<FieldViolation> {
    if id.is_empty() {
        Some(FieldViolation::new(field, "is required"))
    } else if !is_valid_id(id, MAX_CRITERIA_ID_LEN) {
        Some(FieldViolation::new(
            field,
            format!(
                "{id:?} is not a criteria id: use 1 to {MAX_CRITERIA_ID_LEN} letters, digits, '-' or '_'"
            ),
        ))
    } else {
        None
    }
}

/// Fails with every violation found so far plus those of `result`, or passes its value on.
fn all_violations<T>(
    mut violations: Vec<FieldViolation>,
    result: Result<T, Vec<FieldViolation>>,
) -> Result<T, ApiError> {
    match result {
        Ok(value) if violations.is_empty() => Ok(value),
        Ok(_) => Err(ApiError::invalid(CRITERIA, violations)),
        Err(more) => {
            violations.extend(more);
            Err(ApiError::invalid(CRITERIA, violations))
        }
    }
}

fn new_criteria_id() -> String {
    format!("crit-{}", uuid::Uuid::now_v7().simple())
}

#[tonic::async_trait]
impl ReviewCriteriaService for ReviewCriteriaApi {
    async fn create_review_criteria(
        &self,
        request: Request<pb::CreateReviewCriteriaRequest>,
    ) -> Result<Response<pb::CreateReviewCriteriaResponse>, Status> {
        let tenant = tenant_of(&request)?;
        let proto = request.into_inner().criteria;
        let requested_id = proto.as_ref().map(|c| c.id.clone()).unwrap_or_default();
        let mut violations = Vec::new();
        if !requested_id.is_empty() {
            violations.extend(check_id("criteria.id", &requested_id));
        }
        let compiled = all_violations(violations, self.parse_criteria("criteria", proto))?;
        let mut criteria = (**compiled.criteria()).clone();
        if criteria.id.is_empty() {
            criteria.id = new_criteria_id();
        }
        let created = self
            .catalog
            .store()
            .create_criteria(&tenant, criteria)
            .await
            .map_err(ApiError::from)?;
        tracing::info!(tenant = %tenant, criteria_id = %created.id, "review criteria created");
        Ok(Response::new(pb::CreateReviewCriteriaResponse {
            criteria: Some(criteria_to_proto(&created)),
        }))
    }

    async fn get_review_criteria(
        &self,
        request: Request<pb::GetReviewCriteriaRequest>,
    ) -> Result<Response<pb::GetReviewCriteriaResponse>, Status> {
        let tenant = tenant_of(&request)?;
        let id = request.into_inner().id;
        if id == BUILTIN_CRITERIA_ID {
            let builtin = self
                .catalog
                .resolve(&tenant, Some(BUILTIN_CRITERIA_ID))
                .await
                .map_err(ApiError::from)?;
            return Ok(Response::new(pb::GetReviewCriteriaResponse {
                criteria: Some(criteria_to_proto(builtin.criteria())),
            }));
        }
        if let Some(bad) = check_id("id", &id) {
            return Err(ApiError::invalid(CRITERIA, vec![bad]).into());
        }
        let criteria = self
            .catalog
            .store()
            .get_criteria(&tenant, &id)
            .await
            .map_err(ApiError::from)?
            .ok_or_else(|| {
                ApiError::NotFound(format!(
                    "review criteria {id:?} were not found in tenant {tenant:?}"
                ))
            })?;
        Ok(Response::new(pb::GetReviewCriteriaResponse {
            criteria: Some(criteria_to_proto(&criteria)),
        }))
    }

    async fn list_review_criteria(
        &self,
        request: Request<pb::ListReviewCriteriaRequest>,
    ) -> Result<Response<pb::ListReviewCriteriaResponse>, Status> {
        let tenant = tenant_of(&request)?;
        let request = request.into_inner();
        let page = PageRequest {
            size: page_size(request.page_size),
            after: decode_token(&request.page_token)?,
        };
        let page = self
            .catalog
            .store()
            .list_criteria(&tenant, page)
            .await
            .map_err(ApiError::from)?;
        Ok(Response::new(pb::ListReviewCriteriaResponse {
            criteria: page.items.iter().map(criteria_to_proto).collect(),
            next_page_token: page
                .next_after
                .as_deref()
                .map(encode_token)
                .unwrap_or_default(),
        }))
    }

    async fn update_review_criteria(
        &self,
        request: Request<pb::UpdateReviewCriteriaRequest>,
    ) -> Result<Response<pb::UpdateReviewCriteriaResponse>, Status> {
        let tenant = tenant_of(&request)?;
        let proto = request.into_inner().criteria;
        let mut violations = Vec::new();
        if let Some(proto) = &proto {
            violations.extend(check_id("criteria.id", &proto.id));
            if proto.version == 0 {
                violations.push(FieldViolation::new(
                    "criteria.version",
                    "is required: send the version you read, so that a concurrent change is not overwritten",
                ));
            }
        }
        let compiled = all_violations(violations, self.parse_criteria("criteria", proto))?;
        let criteria = (**compiled.criteria()).clone();
        let updated = self
            .catalog
            .store()
            .update_criteria(&tenant, criteria)
            .await
            .map_err(ApiError::from)?;
        tracing::info!(tenant = %tenant, criteria_id = %updated.id, version = updated.version, "review criteria updated");
        Ok(Response::new(pb::UpdateReviewCriteriaResponse {
            criteria: Some(criteria_to_proto(&updated)),
        }))
    }

    async fn delete_review_criteria(
        &self,
        request: Request<pb::DeleteReviewCriteriaRequest>,
    ) -> Result<Response<pb::DeleteReviewCriteriaResponse>, Status> {
        let tenant = tenant_of(&request)?;
        let request = request.into_inner();
        if let Some(bad) = check_id("id", &request.id) {
            return Err(ApiError::invalid(CRITERIA, vec![bad]).into());
        }
        self.catalog
            .store()
            .delete_criteria(&tenant, &request.id, request.version)
            .await
            .map_err(ApiError::from)?;
        tracing::info!(tenant = %tenant, criteria_id = %request.id, "review criteria deleted");
        Ok(Response::new(pb::DeleteReviewCriteriaResponse {}))
    }

    async fn evaluate_review(
        &self,
        request: Request<pb::EvaluateReviewRequest>,
    ) -> Result<Response<pb::EvaluateReviewResponse>, Status> {
        let tenant = tenant_of(&request)?;
        let request = request.into_inner();
        let mut violations = Vec::new();
        if request.output.len() > MAX_EVALUATE_OUTPUT_BYTES {
            violations.push(FieldViolation::new(
                "output",
                format!(
                    "is {} bytes; at most {MAX_EVALUATE_OUTPUT_BYTES} allowed",
                    request.output.len()
                ),
            ));
        }
        if request.tasks.len() > MAX_EVALUATE_TASKS {
            violations.push(FieldViolation::new(
                "tasks",
                format!(
                    "has {} entries; at most {MAX_EVALUATE_TASKS} allowed",
                    request.tasks.len()
                ),
            ));
        }
        let tasks = match reviewed_tasks_from_proto(request.tasks) {
            Ok(tasks) => tasks,
            Err(found) => {
                violations.extend(found);
                Vec::new()
            }
        };
        use pb::evaluate_review_request::CriteriaSource;
        let compiled = match request.criteria_source {
            Some(CriteriaSource::InlineCriteria(mut inline)) => {
                // Not stored: named so that the decision says where its criteria came from.
                inline.id = "inline".to_owned();
                inline.version = 0;
                match self.parse_criteria("inline_criteria", Some(inline)) {
                    Ok(compiled) => Some(Arc::new(compiled)),
                    Err(found) => {
                        violations.extend(found);
                        None
                    }
                }
            }
            Some(CriteriaSource::ReviewCriteriaId(id)) => {
                if id != BUILTIN_CRITERIA_ID
                    && let Some(bad) = check_id("review_criteria_id", &id)
                {
                    violations.push(bad);
                }
                if violations.is_empty() {
                    Some(
                        self.catalog
                            .resolve(&tenant, Some(&id))
                            .await
                            .map_err(ApiError::from)?,
                    )
                } else {
                    None
                }
            }
            None => None,
        };
        if !violations.is_empty() {
            return Err(ApiError::invalid("review request", violations).into());
        }
        let compiled = match compiled {
            Some(compiled) => compiled,
            None => self
                .catalog
                .resolve(&tenant, None)
                .await
                .map_err(ApiError::from)?,
        };
        let pseudonyms = dry_run_pseudonyms(tenant.as_str())?;
        let outcome = compiled
            .review(
                ReviewInput {
                    output: &request.output,
                    tasks: &tasks,
                    run: 1,
                    pseudonyms: &pseudonyms,
                },
                None,
            )
            .await
            .map_err(ApiError::from)?;
        Ok(Response::new(pb::EvaluateReviewResponse {
            decision: Some(decision_to_proto(&outcome.decision)),
            redacted_output: outcome.redacted_output,
            findings: outcome.findings.into_iter().map(finding_to_proto).collect(),
        }))
    }
}
