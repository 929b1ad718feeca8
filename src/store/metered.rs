//! A store whose failed calls are counted, by operation and kind, for the
//! `orchestrator_store_errors_total` metric. Everything else passes straight through.

use std::sync::Arc;

use futures_util::future::BoxFuture;

use super::decorate::decorated_store;
use super::{Store, StoreError};

/// Told of each failed call: the operation (the trait method) and the error's kind.
pub type ErrorMeter = Arc<dyn Fn(&'static str, &'static str) + Send + Sync>;

pub struct Metered {
    inner: Arc<dyn Store>,
    meter: ErrorMeter,
}

impl Metered {
    pub fn new(inner: Arc<dyn Store>, meter: ErrorMeter) -> Self {
        Self { inner, meter }
    }

    async fn around<'a, T>(
        &'a self,
        op: &'static str,
        call: impl FnOnce(&'a dyn Store) -> BoxFuture<'a, Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        let result = call(&*self.inner).await;
        if let Err(error) = &result {
            (self.meter)(op, error.kind());
        }
        result
    }
}

decorated_store!(Metered);

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::model::TenantId;
    use crate::store::CriteriaStore as _;
    use crate::store::sqlite::SqliteStore;

    #[tokio::test]
    async fn failed_calls_are_counted_by_operation_and_kind() {
        let dir = tempfile::tempdir().unwrap();
        let sqlite: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).await.unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let recorded = seen.clone();
        let store = Metered::new(
            sqlite,
            Arc::new(move |op, kind| recorded.lock().unwrap().push((op, kind))),
        );
        let tenant = TenantId::new("acme").unwrap();
        assert_eq!(store.get_criteria(&tenant, "nope").await, Ok(None));
        let missing = store.delete_criteria(&tenant, "nope", None).await;
        assert!(matches!(missing, Err(StoreError::NotFound { .. })));
        assert_eq!(*seen.lock().unwrap(), [("delete_criteria", "not_found")]);
    }
}
