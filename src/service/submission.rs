//! Submission: a spec checked, planned and admitted, stored with its lease, and started.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::broadcast;
use tracing::Instrument as _;

use super::admission::Admission;
use super::{EventReceiver, Orchestrations, ServiceError, Submitted};
use crate::agents::AgentRegistry;
use crate::catalog::CatalogError;
use crate::engine::orchestration::{Cancellation, Job};
use crate::engine::validate::{Defaults, Limits, Rules, validate};
use crate::model::event::Event;
use crate::model::plan::{OrchestrationSpec, Plan};
use crate::model::{FieldViolation, TenantId};
use crate::review::CompiledCriteria;
use crate::store::{LeaseClaim, OrchestrationRecord, StoreError};

/// The longest caller deadline kept with an orchestration. `grpc-timeout` goes up to about
/// 11,000 years, whose dates are beyond the stores' four-digit years; a century is no
/// different to a caller.
const LONGEST_STORED_DEADLINE: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);

fn new_orchestration_id() -> String {
    format!("orch-{}", uuid::Uuid::now_v7().simple())
}

/// What a spec takes in memory, roughly: its texts and its params as JSON.
pub(super) fn spec_bytes(spec: &OrchestrationSpec) -> usize {
    let tasks: usize = spec
        .tasks
        .iter()
        .map(|task| {
            let params = serde_json::to_vec(&task.params).map_or(0, |json| json.len());
            task.id.len()
                + task.agent.len()
                + task.input.len()
                + task.section.as_ref().map_or(0, String::len)
                + params
        })
        .sum();
    spec.input.len() + tasks
}

/// The orchestration a repeated request id names, when `spec` is the plan it was submitted
/// with: a retry gets it back. Another plan under the same id is a mistake the caller must hear
/// of, not a silent answer about something else.
fn same_plan(
    request_id: &str,
    spec: &OrchestrationSpec,
    existing: OrchestrationRecord,
) -> Result<Submitted, ServiceError> {
    if existing.spec != *spec {
        return Err(ServiceError::RequestIdReused {
            request_id: request_id.to_owned(),
            orchestration_id: existing.orchestration_id,
        });
    }
    Ok(Submitted {
        orchestration_id: existing.orchestration_id,
        created: false,
    })
}

/// What a plan is checked against: the agents that exist, the engine's limits and defaults. The
/// server holds one; `orchestrator plan validate` builds the same from the settings, so that a
/// plan file is checked offline exactly as a request would be.
pub struct PlanRules {
    pub agents: AgentRegistry,
    pub limits: Limits,
    pub defaults: Defaults,
}

impl PlanRules {
    /// Checks everything that can be checked before anything runs; violations are named by
    /// their path in the request (`spec.tasks[2].depends_on[0]`).
    pub fn check(&self, spec: &OrchestrationSpec) -> Result<Plan, Vec<FieldViolation>> {
        let agents = &self.agents;
        let plan = validate(
            spec,
            &Rules {
                limits: &self.limits,
                defaults: &self.defaults,
                agent_exists: &|name| agents.get(name).is_some(),
                agent_names: &|| agents.names(),
            },
        );
        // Agent-specific params, once the agents are known to exist.
        let mut violations = match &plan {
            Ok(_) => Vec::new(),
            Err(found) => found.clone(),
        };
        for (index, task) in spec.tasks.iter().enumerate() {
            if let Some(agent) = agents.get(&task.agent) {
                violations.extend(
                    agent
                        .agent
                        .check_params(&task.params)
                        .into_iter()
                        .map(|v| v.under(&format!("tasks[{index}].params"))),
                );
            }
        }
        match plan {
            Ok(plan) if violations.is_empty() => Ok(plan),
            _ => Err(violations.into_iter().map(|v| v.under("spec")).collect()),
        }
    }
}

impl Orchestrations {
    /// See [`PlanRules::check`].
    pub fn plan(&self, spec: &OrchestrationSpec) -> Result<Plan, Vec<FieldViolation>> {
        self.rules.check(spec)
    }

    /// Validates, stores and starts an orchestration; a repeated request id returns the
    /// existing one.
    /// `deadline`, when given, cancels the orchestration if it runs longer (the caller's
    /// deadline on Orchestrate).
    pub async fn submit(
        &self,
        tenant: &TenantId,
        request_id: Option<String>,
        spec: OrchestrationSpec,
        deadline: Option<Duration>,
    ) -> Result<Submitted, ServiceError> {
        Ok(self.accept(tenant, request_id, spec, deadline).await?.0)
    }

    /// `submit`, then `follow` from the start. A new orchestration is followed without reading
    /// the store: the follower subscribed before its run began, so it misses nothing.
    pub async fn submit_and_follow(
        &self,
        tenant: &TenantId,
        request_id: Option<String>,
        spec: OrchestrationSpec,
        deadline: Option<Duration>,
    ) -> Result<(Submitted, EventReceiver), ServiceError> {
        let (submitted, live) = self.accept(tenant, request_id, spec, deadline).await?;
        let events = match live {
            Some(live) => self.spawn_follower(
                tenant,
                &submitted.orchestration_id,
                0,
                Some(live),
                false,
                false,
            ),
            None => self.follow(tenant, &submitted.orchestration_id, 0).await?,
        };
        Ok((submitted, events))
    }

    /// `submit`, with the live channel of a new orchestration, subscribed before it started.
    async fn accept(
        &self,
        tenant: &TenantId,
        request_id: Option<String>,
        spec: OrchestrationSpec,
        deadline: Option<Duration>,
    ) -> Result<(Submitted, Option<broadcast::Receiver<Arc<Event>>>), ServiceError> {
        if !self.availability.is_up() {
            // Accepting now would mean an orchestration whose events cannot be kept.
            return Err(StoreError::Unavailable(
                "the store cannot be reached; nothing was accepted, retry later".into(),
            )
            .into());
        }
        // A repeated request id gets its orchestration back, when the plan is the same; the
        // store settles concurrent first submissions below.
        if let Some(request_id) = &request_id
            && let Some(existing) = self.store.find_by_request_id(tenant, request_id).await?
        {
            return Ok((same_plan(request_id, &spec, existing)?, None));
        }
        let (plan, criteria) = self.prepare(tenant, &spec).await?;
        // Before anything is stored: over a bound, the caller retries and nothing is left.
        let ticket = self
            .admission
            .admit(tenant, Admission::charge_of(spec_bytes(&spec)))?;
        let now = Utc::now();
        let record = OrchestrationRecord {
            deadline: deadline.and_then(|deadline| {
                let deadline = deadline.min(LONGEST_STORED_DEADLINE);
                now.checked_add_signed(chrono::TimeDelta::from_std(deadline).ok()?)
            }),
            ..OrchestrationRecord::new(
                tenant.clone(),
                new_orchestration_id(),
                request_id.clone(),
                spec.clone(),
                now,
            )
        };
        let id = record.orchestration_id.clone();
        let spec_sent = record.spec.clone();
        let job = Job {
            orchestration_id: id.as_str().into(),
            request_id: request_id.unwrap_or_default(),
            tenant: tenant.clone(),
            plan: Arc::new(plan),
            criteria,
            labels: spec.labels,
            create_time: now,
            cancel: Cancellation::new(),
            resume: None,
        };
        // Storing and starting happen in a task of their own: a caller that hangs up between
        // the two must not leave a stored orchestration that never runs.
        let launcher = self.launcher();
        let claim = LeaseClaim {
            owner: self.leases.owner.clone(),
            heartbeat_until: self.leases.expiry(),
        };
        // In the call's span, so that the orchestration's span is its child.
        let launched = tokio::spawn(
            async move {
                let outcome = launcher.store.create_orchestration(record, &claim).await?;
                let live = match (outcome.created, outcome.lease) {
                    (true, Some(lease)) => Some(launcher.start(job, 0, deadline, lease, ticket)),
                    _ => None,
                };
                Ok::<_, StoreError>((outcome.record, live))
            }
            .in_current_span(),
        );
        let (record, live) = launched
            .await
            .map_err(|e| StoreError::Unavailable(format!("the submission task failed: {e}")))??;
        let Some(live) = live else {
            let request_id = record.request_id.clone().unwrap_or_default();
            return Ok((same_plan(&request_id, &spec_sent, record)?, None));
        };
        tracing::info!(tenant = %tenant, orchestration_id = %id, "orchestration accepted");
        let created = Submitted {
            orchestration_id: id,
            created: true,
        };
        Ok((created, Some(live)))
    }

    /// The plan and the criteria an orchestration runs with.
    pub(super) async fn prepare(
        &self,
        tenant: &TenantId,
        spec: &OrchestrationSpec,
    ) -> Result<(Plan, Arc<CompiledCriteria>), ServiceError> {
        let plan = self.plan(spec).map_err(ServiceError::Invalid)?;
        let criteria = match self
            .catalog
            .resolve(tenant, spec.review_criteria_id.as_deref())
            .await
        {
            Ok(criteria) => criteria,
            Err(CatalogError::Store(StoreError::NotFound { id, .. })) => {
                return Err(ServiceError::Invalid(vec![FieldViolation::new(
                    "spec.review_criteria_id",
                    format!("no review criteria {id:?} in tenant {tenant:?}"),
                )]));
            }
            Err(other) => return Err(other.into()),
        };
        if let Some(judge) = &criteria.criteria().judge_agent
            && self.rules.agents.get(judge).is_none()
        {
            return Err(ServiceError::FailedPrecondition(format!(
                "review criteria {:?} name the judge agent {judge:?}, which this server does not have; available: {}",
                criteria.criteria().id,
                self.rules.agents.names().join(", ")
            )));
        }

        Ok((plan, criteria))
    }
}
