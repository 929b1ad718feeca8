//! `orchestrator.v1.OrchestratorService`: submit, follow, inspect, cancel and resolve
//! orchestrations.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::{Stream, StreamExt as _};
use tonic::{Request, Response, Status};

use super::ApiError;
use super::convert::orchestration::{
    event_to_proto, result_to_proto, spec_from_proto, state_from_proto, state_to_proto,
};
use super::paging::{decode_token, encode_token, page_size};
use super::pb;
use super::pb::orchestrator_service_server::OrchestratorService;
use super::tenant::{caller_of, tenant_of};
use crate::auth::{Permission, Scheme};
use crate::model::FieldViolation;
use crate::model::HumanDecision;
use crate::model::event::Event;
use crate::model::plan::OrchestrationSpec;
use crate::model::validation::is_valid_id;
use crate::service::{EventReceiver, Orchestrations, ServiceError};
use crate::store::PageRequest;

type EventStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

const REQUEST: &str = "request";
const MAX_REQUEST_ID_LEN: usize = 128;
const MAX_REVIEWER_LEN: usize = 200;

pub struct OrchestratorApi {
    orchestrations: Arc<Orchestrations>,
}

impl OrchestratorApi {
    pub fn new(orchestrations: Arc<Orchestrations>) -> Self {
        Self { orchestrations }
    }
}

fn check_orchestration_id(id: &str) -> Result<(), ApiError> {
    if id.is_empty() {
        return Err(ApiError::invalid_field(
            REQUEST,
            "orchestration_id",
            "is required",
        ));
    }
    if !is_valid_id(id, 128) {
        return Err(ApiError::invalid_field(
            REQUEST,
            "orchestration_id",
            format!("{id:?} is not an orchestration id"),
        ));
    }
    Ok(())
}

/// The request id, if any; violations named `request_id`.
fn request_id(id: String) -> Result<Option<String>, FieldViolation> {
    if id.is_empty() {
        return Ok(None);
    }
    if id.len() > MAX_REQUEST_ID_LEN || id.chars().any(char::is_control) {
        return Err(FieldViolation::new(
            "request_id",
            format!("use at most {MAX_REQUEST_ID_LEN} bytes of printable characters"),
        ));
    }
    Ok(Some(id))
}

/// The `grpc-timeout` header: the caller's deadline, relative to now.
fn caller_deadline<T>(request: &Request<T>) -> Option<Duration> {
    let value = request.metadata().get("grpc-timeout")?.to_str().ok()?;
    let (amount, unit) = value.split_at(value.len().checked_sub(1)?);
    let amount: u64 = amount.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(amount.saturating_mul(3600)),
        "M" => Duration::from_secs(amount.saturating_mul(60)),
        "S" => Duration::from_secs(amount),
        "m" => Duration::from_millis(amount),
        "u" => Duration::from_micros(amount),
        "n" => Duration::from_nanos(amount),
        _ => return None,
    })
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::Invalid(violations) => ApiError::invalid("orchestration", violations),
            ServiceError::NotFound(id) => {
                ApiError::NotFound(format!("orchestration {id:?} was not found"))
            }
            ServiceError::FailedPrecondition(message) => ApiError::FailedPrecondition(message),
            ServiceError::Store(store) => store.into(),
            ServiceError::Catalog(catalog) => catalog.into(),
            ServiceError::Exhausted(refusal) => ApiError::ResourceExhausted {
                message: refusal.to_string(),
                subject: refusal.subject(),
                retry_after: refusal.retry_after(),
            },
            ServiceError::RequestIdReused {
                request_id,
                orchestration_id,
            } => ApiError::AlreadyExistsAs {
                message: ServiceError::RequestIdReused {
                    request_id,
                    orchestration_id: orchestration_id.clone(),
                }
                .to_string(),
                kind: "orchestration",
                name: orchestration_id,
            },
        }
    }
}

impl OrchestratorApi {
    async fn submit(
        &self,
        tenant: &crate::model::TenantId,
        request_id_text: String,
        spec: Option<pb::OrchestrationSpec>,
        deadline: Option<Duration>,
    ) -> Result<crate::service::Submitted, ApiError> {
        let (spec, request_id) = self.checked(request_id_text, spec)?;
        Ok(self
            .orchestrations
            .submit(tenant, request_id, spec, deadline)
            .await?)
    }

    /// The spec and request id of a submission, or every problem with them.
    fn checked(
        &self,
        request_id_text: String,
        spec: Option<pb::OrchestrationSpec>,
    ) -> Result<(OrchestrationSpec, Option<String>), ApiError> {
        let mut violations = Vec::new();
        let request_id = request_id(request_id_text).unwrap_or_else(|violation| {
            violations.push(violation);
            None
        });
        let Some(spec) = spec else {
            violations.push(FieldViolation::new("spec", "is required"));
            return Err(ApiError::invalid("orchestration", violations));
        };
        let (spec, shape) = spec_from_proto(spec);
        violations.extend(shape);
        if !violations.is_empty() {
            // Report the deeper problems too, when the spec can be checked at all.
            if let Err(more) = self.orchestrations.plan(&spec) {
                violations.extend(more);
            }
            return Err(ApiError::invalid("orchestration", violations));
        }
        Ok((spec, request_id))
    }

    async fn follow(
        &self,
        tenant: &crate::model::TenantId,
        id: &str,
        after: u64,
    ) -> Result<impl Stream<Item = Result<Arc<Event>, Status>> + Send + 'static, ApiError> {
        let receiver = self.orchestrations.follow(tenant, id, after).await?;
        Ok(statuses(receiver))
    }
}

/// A follower's events, its errors as statuses.
fn statuses(
    receiver: EventReceiver,
) -> impl Stream<Item = Result<Arc<Event>, Status>> + Send + 'static {
    ReceiverStream::new(receiver).map(|item| item.map_err(|e| Status::from(ApiError::from(e))))
}

#[tonic::async_trait]
impl OrchestratorService for OrchestratorApi {
    type OrchestrateStream = EventStream<pb::OrchestrateResponse>;
    type StreamStatusStream = EventStream<pb::StreamStatusResponse>;

    async fn orchestrate(
        &self,
        request: Request<pb::OrchestrateRequest>,
    ) -> Result<Response<Self::OrchestrateStream>, Status> {
        let tenant = tenant_of(&request)?;
        let deadline = caller_deadline(&request);
        let request = request.into_inner();
        // The caller stops listening at its deadline; what it started stops with it.
        let (spec, request_id) = self.checked(request.request_id, request.spec)?;
        let (_, events) = self
            .orchestrations
            .submit_and_follow(&tenant, request_id, spec, deadline)
            .await
            .map_err(ApiError::from)?;
        Ok(Response::new(Box::pin(statuses(events).map(|event| {
            event.map(|event| pb::OrchestrateResponse {
                event: Some(event_to_proto(&event)),
            })
        }))))
    }

    async fn submit_orchestration(
        &self,
        request: Request<pb::SubmitOrchestrationRequest>,
    ) -> Result<Response<pb::SubmitOrchestrationResponse>, Status> {
        let tenant = tenant_of(&request)?;
        let request = request.into_inner();
        let submitted = self
            .submit(&tenant, request.request_id, request.spec, None)
            .await?;
        Ok(Response::new(pb::SubmitOrchestrationResponse {
            orchestration_id: submitted.orchestration_id,
            created: submitted.created,
        }))
    }

    async fn stream_status(
        &self,
        request: Request<pb::StreamStatusRequest>,
    ) -> Result<Response<Self::StreamStatusStream>, Status> {
        let tenant = tenant_of(&request)?;
        let request = request.into_inner();
        check_orchestration_id(&request.orchestration_id)?;
        if request.after_sequence > i64::MAX as u64 {
            return Err(ApiError::invalid_field(
                REQUEST,
                "after_sequence",
                "is larger than any sequence; use 0 to replay everything",
            )
            .into());
        }
        let events = self
            .follow(&tenant, &request.orchestration_id, request.after_sequence)
            .await?;
        Ok(Response::new(Box::pin(events.map(|event| {
            event.map(|event| pb::StreamStatusResponse {
                event: Some(event_to_proto(&event)),
            })
        }))))
    }

    async fn get_orchestration(
        &self,
        request: Request<pb::GetOrchestrationRequest>,
    ) -> Result<Response<pb::GetOrchestrationResponse>, Status> {
        let tenant = tenant_of(&request)?;
        let request = request.into_inner();
        check_orchestration_id(&request.orchestration_id)?;
        let escalation = match pb::OrchestrationView::try_from(request.view) {
            Ok(pb::OrchestrationView::Escalation) => true,
            Ok(_) => false,
            Err(_) => {
                return Err(ApiError::invalid_field(
                    REQUEST,
                    "view",
                    format!("unknown enum value {}", request.view),
                )
                .into());
            }
        };
        let (result, escalated) = self
            .orchestrations
            .get(&tenant, &request.orchestration_id, escalation)
            .await
            .map_err(ApiError::from)?;
        Ok(Response::new(pb::GetOrchestrationResponse {
            orchestration: Some(result_to_proto(&result)),
            escalated_output: escalated.unwrap_or_default(),
        }))
    }

    async fn list_orchestrations(
        &self,
        request: Request<pb::ListOrchestrationsRequest>,
    ) -> Result<Response<pb::ListOrchestrationsResponse>, Status> {
        let tenant = tenant_of(&request)?;
        let request = request.into_inner();
        let mut states = Vec::new();
        let mut violations = Vec::new();
        let request_id = request_id(request.request_id).unwrap_or_else(|violation| {
            violations.push(violation);
            None
        });
        for (index, value) in request.states.iter().enumerate() {
            match state_from_proto(*value) {
                Some(state) => states.push(state),
                None => violations.push(FieldViolation::new(
                    format!("states[{index}]"),
                    format!("{value} is not an orchestration state"),
                )),
            }
        }
        if !violations.is_empty() {
            return Err(ApiError::invalid(REQUEST, violations).into());
        }
        if let Some(request_id) = request_id {
            let found = self
                .orchestrations
                .find_by_request_id(&tenant, &request_id)
                .await
                .map_err(ApiError::from)?;
            return Ok(Response::new(pb::ListOrchestrationsResponse {
                orchestrations: found
                    .iter()
                    .filter(|result| states.is_empty() || states.contains(&result.state))
                    .map(result_to_proto)
                    .collect(),
                next_page_token: String::new(),
            }));
        }
        let page = PageRequest {
            size: page_size(request.page_size),
            after: decode_token(&request.page_token)?,
        };
        let page = self
            .orchestrations
            .list(&tenant, &states, page)
            .await
            .map_err(ApiError::from)?;
        Ok(Response::new(pb::ListOrchestrationsResponse {
            orchestrations: page.items.iter().map(result_to_proto).collect(),
            next_page_token: page
                .next_after
                .as_deref()
                .map(encode_token)
                .unwrap_or_default(),
        }))
    }

    async fn cancel_orchestration(
        &self,
        request: Request<pb::CancelOrchestrationRequest>,
    ) -> Result<Response<pb::CancelOrchestrationResponse>, Status> {
        let tenant = tenant_of(&request)?;
        let request = request.into_inner();
        check_orchestration_id(&request.orchestration_id)?;
        let state = self
            .orchestrations
            .cancel(&tenant, &request.orchestration_id, &request.reason)
            .await
            .map_err(ApiError::from)?;
        Ok(Response::new(pb::CancelOrchestrationResponse {
            state: state_to_proto(state) as i32,
        }))
    }

    async fn resolve_escalation(
        &self,
        request: Request<pb::ResolveEscalationRequest>,
    ) -> Result<Response<pb::ResolveEscalationResponse>, Status> {
        let caller = caller_of(&request)?;
        let tenant = caller.tenant.clone();
        // An authenticated reviewer is recorded as who they are, whatever the request says;
        // only without authentication does the caller name the reviewer.
        let principal =
            (caller.principal.scheme != Scheme::Anonymous).then(|| caller.principal.name.clone());
        let request = request.into_inner();
        check_orchestration_id(&request.orchestration_id)?;
        let reviewer = principal.unwrap_or_else(|| request.reviewer.trim().to_owned());
        if reviewer.is_empty() || reviewer.len() > MAX_REVIEWER_LEN {
            return Err(ApiError::invalid_field(
                REQUEST,
                "reviewer",
                format!("name who decides, in 1 to {MAX_REVIEWER_LEN} bytes; it is recorded in the decision"),
            )
            .into());
        }
        let result = self
            .orchestrations
            .resolve(
                &tenant,
                &request.orchestration_id,
                HumanDecision {
                    approve: request.approve,
                    reviewer,
                    comment: request.comment,
                },
            )
            .await
            .map_err(ApiError::from)?;
        Ok(Response::new(pb::ResolveEscalationResponse {
            orchestration: Some(result_to_proto(&result)),
        }))
    }

    async fn list_agents(
        &self,
        _request: Request<pb::ListAgentsRequest>,
    ) -> Result<Response<pb::ListAgentsResponse>, Status> {
        Ok(Response::new(pb::ListAgentsResponse {
            agents: self
                .orchestrations
                .agents()
                .iter()
                .map(|agent| pb::AgentInfo {
                    name: agent.name.to_string(),
                    kind: agent.kind.to_owned(),
                    description: agent.description.clone(),
                    max_concurrency: agent.max_concurrency,
                })
                .collect(),
        }))
    }

    async fn get_caller(
        &self,
        request: Request<pb::GetCallerRequest>,
    ) -> Result<Response<pb::GetCallerResponse>, Status> {
        let caller = caller_of(&request)?;
        let roles = caller.principal.roles;
        Ok(Response::new(pb::GetCallerResponse {
            principal: caller.principal.name.clone(),
            tenant: caller.tenant.to_string(),
            roles: roles.iter().map(|role| role.as_str().to_owned()).collect(),
            permissions: Permission::ALL
                .into_iter()
                .filter(|permission| roles.permits(*permission))
                .map(|permission| permission.as_str().to_owned())
                .collect(),
            authenticated: caller.principal.scheme != Scheme::Anonymous,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_timeouts_parse() {
        let with = |value: &str| {
            let mut request = Request::new(());
            request
                .metadata_mut()
                .insert("grpc-timeout", value.parse().unwrap());
            caller_deadline(&request)
        };
        assert_eq!(with("1500m"), Some(Duration::from_millis(1500)));
        assert_eq!(with("2S"), Some(Duration::from_secs(2)));
        assert_eq!(with("1H"), Some(Duration::from_secs(3600)));
        assert_eq!(with("x"), None);
        assert_eq!(with("10Q"), None);
    }
}
