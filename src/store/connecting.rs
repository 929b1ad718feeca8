//! A store that is still being opened: every call fails `Unavailable` until the real one is
//! handed over. The server can then start while a remote store is unreachable, and behave as it
//! does during any later outage (health NOT_SERVING, new work refused), instead of exiting.

use std::sync::{Arc, Mutex, OnceLock};

use futures_util::future::BoxFuture;

use super::decorate::decorated_store;
use super::{Store, StoreError};
use crate::sync::lock;

pub struct Connecting {
    opened: OnceLock<Arc<dyn Store>>,
    /// Why it is not open yet, for the errors callers get meanwhile.
    last_error: Mutex<String>,
}

impl Connecting {
    pub fn new(first_error: String) -> Self {
        Self {
            opened: OnceLock::new(),
            last_error: Mutex::new(first_error),
        }
    }

    /// Hands over the opened store; from now on every call goes to it.
    pub fn open(&self, store: Arc<dyn Store>) {
        let _ = self.opened.set(store);
    }

    /// Records why the latest attempt to open the store failed.
    pub fn failed(&self, error: String) {
        *lock(&self.last_error) = error;
    }

    fn store(&self) -> Result<&dyn Store, StoreError> {
        match self.opened.get() {
            Some(store) => Ok(&**store),
            None => Err(StoreError::Unavailable(format!(
                "the store is not open yet: {}",
                lock(&self.last_error)
            ))),
        }
    }

    /// Calls the opened store, or fails as `store` says.
    async fn around<'a, T>(
        &'a self,
        _op: &'static str,
        call: impl FnOnce(&'a dyn Store) -> BoxFuture<'a, Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        call(self.store()?).await
    }
}

decorated_store!(Connecting);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TenantId;
    use crate::store::OrchestrationStore as _;
    use crate::store::sqlite::SqliteStore;

    #[tokio::test]
    async fn unavailable_with_the_reason_until_opened_then_the_store_itself() {
        let connecting = Connecting::new("connection refused".into());
        let tenant = TenantId::default_tenant();
        let error = connecting
            .get_orchestration(&tenant, "o")
            .await
            .unwrap_err();
        assert!(
            matches!(&error, StoreError::Unavailable(why) if why.contains("connection refused")),
            "{error:?}"
        );
        connecting.failed("timed out".into());
        let error = connecting.ping().await.unwrap_err();
        assert!(error.to_string().contains("timed out"), "{error}");

        let dir = tempfile::tempdir().unwrap();
        connecting.open(Arc::new(SqliteStore::open(dir.path()).await.unwrap()));
        connecting.ping().await.unwrap();
        assert_eq!(connecting.get_orchestration(&tenant, "o").await, Ok(None));
    }
}
