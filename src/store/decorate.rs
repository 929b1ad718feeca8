//! Store decorators: a store that wraps another and does one thing around every call (counts
//! its errors, waits for the store to open). `decorated_store!` lists the store's methods once
//! and implements every store trait for a decorator by passing each call through its `around`:
//!
//! ```text
//! async fn around<'a, T>(
//!     &'a self,
//!     op: &'static str, // the method's name, as the error metric labels it
//!     call: impl FnOnce(&'a dyn Store) -> BoxFuture<'a, Result<T, StoreError>>,
//! ) -> Result<T, StoreError>
//! ```
//!
//! A method added to a store trait is added here, once, and every decorator has it.

/// Implements one store trait for `$decorator`, each method a call through `around`.
macro_rules! forward {
    ($decorator:ty, $store:ident {
        $(fn $method:ident($($arg:ident: $type:ty),*) -> $output:ty;)*
    }) => {
        #[async_trait::async_trait]
        impl $crate::store::$store for $decorator {
            $(
                async fn $method(
                    &self,
                    $($arg: $type),*
                ) -> Result<$output, $crate::store::StoreError> {
                    self.around(stringify!($method), |store| store.$method($($arg),*)).await
                }
            )*
        }
    };
}

/// Implements every store trait for `$decorator`: see the module's documentation.
macro_rules! decorated_store {
    ($decorator:ty) => {
        $crate::store::decorate::forward!($decorator, CriteriaStore {
            fn create_criteria(
                tenant: &$crate::model::TenantId,
                criteria: $crate::model::ReviewCriteria
            ) -> $crate::model::ReviewCriteria;
            fn get_criteria(
                tenant: &$crate::model::TenantId,
                id: &str
            ) -> Option<$crate::model::ReviewCriteria>;
            fn list_criteria(
                tenant: &$crate::model::TenantId,
                page: $crate::store::PageRequest
            ) -> $crate::store::Page<$crate::model::ReviewCriteria>;
            fn update_criteria(
                tenant: &$crate::model::TenantId,
                criteria: $crate::model::ReviewCriteria
            ) -> $crate::model::ReviewCriteria;
            fn delete_criteria(
                tenant: &$crate::model::TenantId,
                id: &str,
                expected_version: Option<u64>
            ) -> ();
        });
        $crate::store::decorate::forward!($decorator, DecisionStore {
            fn put_decision(
                tenant: &$crate::model::TenantId,
                orchestration_id: Option<&str>,
                decision: &$crate::model::ReviewDecision
            ) -> ();
            fn get_decision(
                tenant: &$crate::model::TenantId,
                decision_id: &str
            ) -> Option<$crate::model::ReviewDecision>;
        });
        $crate::store::decorate::forward!($decorator, OrchestrationStore {
            fn create_orchestration(
                record: $crate::store::OrchestrationRecord,
                claim: &$crate::store::LeaseClaim
            ) -> $crate::store::Created;
            fn get_orchestration(
                tenant: &$crate::model::TenantId,
                orchestration_id: &str
            ) -> Option<$crate::store::OrchestrationRecord>;
            fn find_by_request_id(
                tenant: &$crate::model::TenantId,
                request_id: &str
            ) -> Option<$crate::store::OrchestrationRecord>;
            fn list_orchestrations(
                tenant: &$crate::model::TenantId,
                states: &[$crate::model::orchestration::OrchestrationState],
                page: $crate::store::PageRequest
            ) -> $crate::store::Page<$crate::store::OrchestrationRecord>;
            fn ping() -> ();
        });
        $crate::store::decorate::forward!($decorator, LogStore {
            fn write_log(batch: &$crate::store::LogBatch) -> $crate::store::Fenced;
            fn read_checkpoints(
                tenant: &$crate::model::TenantId,
                orchestration_id: &str,
                run: u32
            ) -> Vec<$crate::model::orchestration::TaskCheckpoint>;
            fn read_events(
                tenant: &$crate::model::TenantId,
                orchestration_id: &str,
                after: u64,
                limit: usize
            ) -> Vec<$crate::model::event::Event>;
        });
        $crate::store::decorate::forward!($decorator, LeaseStore {
            fn heartbeat(beat: &$crate::store::Heartbeat) -> ();
            fn claim_owner(beat: &$crate::store::Heartbeat) -> ();
            fn acquire_lease(
                tenant: &$crate::model::TenantId,
                orchestration_id: &str,
                owner: &str
            ) -> Option<$crate::store::Lease>;
            fn release_lease(lease: &$crate::store::Lease) -> ();
            fn orphaned_leases(
                now: chrono::DateTime<chrono::Utc>,
                limit: usize
            ) -> Vec<$crate::store::Lease>;
        });
    };
}

pub(crate) use {decorated_store, forward};
