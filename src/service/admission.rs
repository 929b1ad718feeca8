//! Admission control: what work this server takes on, decided before anything is stored.
//!
//! An orchestration is admitted within five bounds: orchestrations in flight on the server and
//! per tenant, a per-tenant submission rate (a token bucket, one second of burst), and the bytes
//! in-flight work holds, on the server and per tenant (memory budgets). Its charge against the budget is a fixed cost for its
//! bookkeeping, its spec (held in several forms: request, domain spec, plan, record), and, as
//! they arrive, its outputs (each held twice: the task's and the aggregate's). Over a bound the
//! submission is refused with the bound, the subject (the server or the tenant) and when to
//! retry; nothing was stored. Resumed work is already accepted: it counts against the server's
//! bounds but not the tenant's, and waits (its lease stays expired) while they are full.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use crate::model::TenantId;
use crate::sync::lock;

/// What an orchestration's bookkeeping costs in flight, whatever its size (measured: about
/// 25 KB for a three-task orchestration, all told).
pub const BASE_CHARGE: usize = 16 * 1024;
/// Copies of a spec an orchestration holds while it runs.
pub const SPEC_COPIES: usize = 6;
/// Tenants remembered before idle ones (nothing in flight, a full bucket) are forgotten.
const TENANTS_KEPT: usize = 4096;
/// When to retry after a refusal that is not about the rate: in-flight work ends in its own
/// time.
const RETRY_WHEN_FULL: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdmissionLimits {
    pub max_in_flight: usize,
    pub max_in_flight_per_tenant: usize,
    pub submissions_per_second_per_tenant: f64,
    pub memory_budget: usize,
    pub memory_budget_per_tenant: usize,
}

/// Why a submission was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Refusal {
    #[error(
        "{limit} orchestrations are in flight on this server, its limit (limits.max_in_flight)"
    )]
    InFlight { limit: usize },
    #[error(
        "tenant {tenant} has {limit} orchestrations in flight, its limit (limits.max_in_flight_per_tenant)"
    )]
    TenantInFlight { tenant: TenantId, limit: usize },
    #[error(
        "tenant {tenant} submits faster than {rate} orchestrations a second (limits.submissions_per_second_per_tenant)"
    )]
    Rate {
        tenant: TenantId,
        rate: f64,
        retry_after: Duration,
    },
    #[error(
        "the work in flight holds {held} bytes and this orchestration needs {needed} more, over the budget of {budget} (limits.memory_budget)"
    )]
    Memory {
        held: usize,
        needed: usize,
        budget: usize,
    },
    #[error(
        "tenant {tenant}'s work in flight holds {held} bytes and this orchestration needs {needed} more, over its budget of {budget} (limits.memory_budget_per_tenant)"
    )]
    TenantMemory {
        tenant: TenantId,
        held: usize,
        needed: usize,
        budget: usize,
    },
}

impl Refusal {
    /// When retrying may succeed.
    pub fn retry_after(&self) -> Duration {
        match self {
            Refusal::Rate { retry_after, .. } => *retry_after,
            _ => RETRY_WHEN_FULL,
        }
    }

    /// What is over its quota: `server`, or `tenant:<id>`.
    pub fn subject(&self) -> String {
        match self {
            Refusal::TenantInFlight { tenant, .. }
            | Refusal::Rate { tenant, .. }
            | Refusal::TenantMemory { tenant, .. } => format!("tenant:{tenant}"),
            Refusal::InFlight { .. } | Refusal::Memory { .. } => "server".into(),
        }
    }
}

#[derive(Debug)]
struct TenantUse {
    in_flight: usize,
    bytes: usize,
    tokens: f64,
    refilled: Instant,
}

#[derive(Debug, Default)]
struct State {
    in_flight: usize,
    bytes: usize,
    tenants: HashMap<TenantId, TenantUse>,
}

#[derive(Debug)]
pub struct Admission {
    limits: AdmissionLimits,
    state: Mutex<State>,
}

/// An admitted orchestration's place: held while it runs, given back when dropped.
#[derive(Debug)]
pub struct Ticket {
    admission: Arc<Admission>,
    tenant: TenantId,
    bytes: AtomicUsize,
}

impl Ticket {
    /// Adds `more` bytes to what the orchestration holds (its outputs, as they arrive).
    pub fn charge(&self, more: usize) {
        self.bytes.fetch_add(more, Ordering::AcqRel);
        let mut state = self.admission.lock();
        state.bytes = state.bytes.saturating_add(more);
        if let Some(tenant) = state.tenants.get_mut(&self.tenant) {
            tenant.bytes = tenant.bytes.saturating_add(more);
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let bytes = self.bytes.load(Ordering::Acquire);
        let mut state = self.admission.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
        state.bytes = state.bytes.saturating_sub(bytes);
        if let Some(tenant) = state.tenants.get_mut(&self.tenant) {
            tenant.in_flight = tenant.in_flight.saturating_sub(1);
            tenant.bytes = tenant.bytes.saturating_sub(bytes);
        }
    }
}

/// What admitting asks of the tenant's bounds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A new submission: every bound.
    New,
    /// Work accepted before (resumed after a crash): the server's bounds only.
    Resumed,
}

impl Admission {
    pub fn new(limits: AdmissionLimits) -> Arc<Self> {
        Arc::new(Self {
            limits,
            state: Mutex::new(State::default()),
        })
    }

    /// The charge of an orchestration whose spec takes `spec_bytes`.
    pub fn charge_of(spec_bytes: usize) -> usize {
        BASE_CHARGE.saturating_add(SPEC_COPIES.saturating_mul(spec_bytes))
    }

    /// Admits a new submission of `tenant` charged `bytes`, or says which bound it is over.
    pub fn admit(self: &Arc<Self>, tenant: &TenantId, bytes: usize) -> Result<Ticket, Refusal> {
        self.admit_as(tenant, bytes, Kind::New)
    }

    /// Admits resumed work, which the tenant's bounds already let in once.
    pub fn admit_resumed(
        self: &Arc<Self>,
        tenant: &TenantId,
        bytes: usize,
    ) -> Result<Ticket, Refusal> {
        self.admit_as(tenant, bytes, Kind::Resumed)
    }

    /// Whether resumed work of the smallest size would be admitted now.
    pub fn has_room(&self) -> bool {
        let state = self.lock();
        state.in_flight < self.limits.max_in_flight
            && state.bytes.saturating_add(BASE_CHARGE) <= self.limits.memory_budget
    }

    /// Orchestrations in flight, and the bytes they are charged.
    pub fn usage(&self) -> (usize, usize) {
        let state = self.lock();
        (state.in_flight, state.bytes)
    }

    fn admit_as(
        self: &Arc<Self>,
        tenant: &TenantId,
        bytes: usize,
        kind: Kind,
    ) -> Result<Ticket, Refusal> {
        let limits = &self.limits;
        let mut state = self.lock();
        if state.in_flight >= limits.max_in_flight {
            return Err(Refusal::InFlight {
                limit: limits.max_in_flight,
            });
        }
        // A lone orchestration over the budget could never run: it is refused too, and says by
        // how much.
        if state.bytes.saturating_add(bytes) > limits.memory_budget {
            return Err(Refusal::Memory {
                held: state.bytes,
                needed: bytes,
                budget: limits.memory_budget,
            });
        }
        if state.tenants.len() >= TENANTS_KEPT {
            forget_idle(&mut state.tenants, limits);
        }
        let now = Instant::now();
        let used = state.tenants.entry(tenant.clone()).or_insert(TenantUse {
            in_flight: 0,
            bytes: 0,
            tokens: burst(limits),
            refilled: now,
        });
        if kind == Kind::New {
            check_tenant(used, tenant, bytes, limits, now)?;
            used.tokens -= 1.0;
        }
        used.in_flight += 1;
        used.bytes = used.bytes.saturating_add(bytes);
        state.in_flight += 1;
        state.bytes = state.bytes.saturating_add(bytes);
        Ok(Ticket {
            admission: self.clone(),
            tenant: tenant.clone(),
            bytes: AtomicUsize::new(bytes),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        lock(&self.state)
    }
}

/// One second's worth of submissions, and at least one.
fn burst(limits: &AdmissionLimits) -> f64 {
    limits.submissions_per_second_per_tenant.max(1.0)
}

/// The tenant's own bounds: its in-flight cap, its memory budget and its token bucket
/// (refilled here).
fn check_tenant(
    used: &mut TenantUse,
    tenant: &TenantId,
    bytes: usize,
    limits: &AdmissionLimits,
    now: Instant,
) -> Result<(), Refusal> {
    if used.in_flight >= limits.max_in_flight_per_tenant {
        return Err(Refusal::TenantInFlight {
            tenant: tenant.clone(),
            limit: limits.max_in_flight_per_tenant,
        });
    }
    if used.bytes.saturating_add(bytes) > limits.memory_budget_per_tenant {
        return Err(Refusal::TenantMemory {
            tenant: tenant.clone(),
            held: used.bytes,
            needed: bytes,
            budget: limits.memory_budget_per_tenant,
        });
    }
    let rate = limits.submissions_per_second_per_tenant;
    let elapsed = now.saturating_duration_since(used.refilled).as_secs_f64();
    used.tokens = (used.tokens + elapsed * rate).min(burst(limits));
    used.refilled = now;
    if used.tokens < 1.0 {
        return Err(Refusal::Rate {
            tenant: tenant.clone(),
            rate,
            retry_after: Duration::from_secs_f64((1.0 - used.tokens) / rate),
        });
    }
    Ok(())
}

/// Forgets tenants with nothing in flight whose bucket has refilled: they would start afresh
/// anyway.
fn forget_idle(tenants: &mut HashMap<TenantId, TenantUse>, limits: &AdmissionLimits) {
    let now = Instant::now();
    let full = burst(limits);
    let rate = limits.submissions_per_second_per_tenant;
    tenants.retain(|_, used| {
        let refilled =
            used.tokens + now.saturating_duration_since(used.refilled).as_secs_f64() * rate;
        used.in_flight > 0 || refilled < full
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> AdmissionLimits {
        AdmissionLimits {
            max_in_flight: 3,
            max_in_flight_per_tenant: 2,
            submissions_per_second_per_tenant: 100.0,
            memory_budget: 100_000,
            memory_budget_per_tenant: 80_000,
        }
    }

    fn tenant(name: &str) -> TenantId {
        TenantId::new(name).unwrap()
    }

    #[test]
    fn in_flight_caps_per_tenant_and_server_and_tickets_give_back() {
        let admission = Admission::new(limits());
        let a1 = admission.admit(&tenant("a"), 10).unwrap();
        let _a2 = admission.admit(&tenant("a"), 10).unwrap();
        let refused = admission.admit(&tenant("a"), 10).unwrap_err();
        assert!(matches!(refused, Refusal::TenantInFlight { limit: 2, .. }));
        assert_eq!(refused.subject(), "tenant:a");
        let _b1 = admission.admit(&tenant("b"), 10).unwrap();
        let refused = admission.admit(&tenant("b"), 10).unwrap_err();
        assert_eq!(refused, Refusal::InFlight { limit: 3 });
        assert_eq!(refused.subject(), "server");
        drop(a1);
        assert_eq!(admission.usage(), (2, 20));
        admission.admit(&tenant("b"), 10).expect("room again");
    }

    #[test]
    fn memory_counts_charges_and_outputs_as_they_arrive() {
        let admission = Admission::new(limits());
        let big = admission.admit(&tenant("a"), 60_000).unwrap();
        let refused = admission.admit(&tenant("b"), 50_000).unwrap_err();
        assert!(matches!(
            refused,
            Refusal::Memory {
                held: 60_000,
                needed: 50_000,
                ..
            }
        ));
        let small = admission.admit(&tenant("b"), 30_000).unwrap();
        small.charge(20_000);
        assert_eq!(admission.usage(), (2, 110_000));
        assert!(!admission.has_room());
        drop(small);
        assert_eq!(admission.usage(), (1, 60_000));
        drop(big);
        assert_eq!(admission.usage(), (0, 0));
        let never = admission.admit(&tenant("a"), 200_000).unwrap_err();
        assert!(matches!(never, Refusal::Memory { .. }));
    }

    #[test]
    fn a_tenant_cannot_take_the_whole_budget() {
        let admission = Admission::new(limits());
        let a = admission.admit(&tenant("a"), 50_000).unwrap();
        a.charge(20_000);
        let refused = admission.admit(&tenant("a"), 20_000).unwrap_err();
        assert!(matches!(
            refused,
            Refusal::TenantMemory {
                held: 70_000,
                needed: 20_000,
                budget: 80_000,
                ..
            }
        ));
        assert_eq!(refused.subject(), "tenant:a");
        admission
            .admit(&tenant("b"), 20_000)
            .expect("another tenant has room");
        drop(a);
        admission.admit(&tenant("a"), 20_000).expect("given back");
    }

    #[tokio::test(start_paused = true)]
    async fn the_rate_is_a_token_bucket_with_a_second_of_burst() {
        let admission = Admission::new(AdmissionLimits {
            max_in_flight: 1000,
            max_in_flight_per_tenant: 1000,
            submissions_per_second_per_tenant: 10.0,
            memory_budget: usize::MAX,
            memory_budget_per_tenant: usize::MAX,
        });
        let mut held = Vec::new();
        for _ in 0..10 {
            held.push(admission.admit(&tenant("a"), 1).unwrap());
        }
        let Err(Refusal::Rate { retry_after, .. }) = admission.admit(&tenant("a"), 1) else {
            panic!("the eleventh within the same instant is over the rate");
        };
        assert!(retry_after > Duration::ZERO && retry_after <= Duration::from_millis(100));
        admission
            .admit(&tenant("b"), 1)
            .expect("another tenant has its own bucket");
        tokio::time::advance(Duration::from_millis(100)).await;
        held.push(admission.admit(&tenant("a"), 1).expect("a token refilled"));
        assert!(admission.admit(&tenant("a"), 1).is_err());
    }

    #[test]
    fn resumed_work_skips_the_tenant_bounds_but_not_the_servers() {
        let admission = Admission::new(limits());
        let _a1 = admission.admit(&tenant("a"), 10).unwrap();
        let _a2 = admission.admit(&tenant("a"), 10).unwrap();
        let _a3 = admission
            .admit_resumed(&tenant("a"), 10)
            .expect("accepted before: the tenant's cap does not apply");
        assert!(!admission.has_room());
        assert!(matches!(
            admission.admit_resumed(&tenant("a"), 10),
            Err(Refusal::InFlight { .. })
        ));
    }
}
