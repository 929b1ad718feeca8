//! Criteria reads through a `moka` cache. A write made through this store updates the cache at
//! once; the TTL bounds how long a write made by another replica can go unseen.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use moka::future::Cache;

use super::{CriteriaStore, Page, PageRequest, StoreError};
use crate::model::{ReviewCriteria, TenantId};

const MAX_ENTRIES: u64 = 10_000;

type Key = (TenantId, String);

pub struct CachedCriteriaStore {
    inner: Arc<dyn CriteriaStore>,
    /// `None` caches "no such criteria" too, for the same TTL.
    cache: Cache<Key, Option<Arc<ReviewCriteria>>>,
}

impl CachedCriteriaStore {
    pub fn new(inner: Arc<dyn CriteriaStore>, ttl: Duration) -> Self {
        Self {
            inner,
            cache: Cache::builder()
                .max_capacity(MAX_ENTRIES)
                .time_to_live(ttl)
                .build(),
        }
    }

    /// Reads through the cache, sharing one store read between concurrent callers.
    pub async fn get_shared(
        &self,
        tenant: &TenantId,
        id: &str,
    ) -> Result<Option<Arc<ReviewCriteria>>, StoreError> {
        let key = (tenant.clone(), id.to_owned());
        self.cache
            .try_get_with(key, async {
                Ok::<_, StoreError>(self.inner.get_criteria(tenant, id).await?.map(Arc::new))
            })
            .await
            .map_err(|error| (*error).clone())
    }

    async fn remember(&self, tenant: &TenantId, id: &str, value: Option<ReviewCriteria>) {
        self.cache
            .insert((tenant.clone(), id.to_owned()), value.map(Arc::new))
            .await;
    }
}

#[async_trait]
impl CriteriaStore for CachedCriteriaStore {
    async fn create_criteria(
        &self,
        tenant: &TenantId,
        criteria: ReviewCriteria,
    ) -> Result<ReviewCriteria, StoreError> {
        let created = self.inner.create_criteria(tenant, criteria).await?;
        self.remember(tenant, &created.id, Some(created.clone()))
            .await;
        Ok(created)
    }

    async fn get_criteria(
        &self,
        tenant: &TenantId,
        id: &str,
    ) -> Result<Option<ReviewCriteria>, StoreError> {
        Ok(self.get_shared(tenant, id).await?.map(|c| (*c).clone()))
    }

    async fn list_criteria(
        &self,
        tenant: &TenantId,
        page: PageRequest,
    ) -> Result<Page<ReviewCriteria>, StoreError> {
        self.inner.list_criteria(tenant, page).await
    }

    async fn update_criteria(
        &self,
        tenant: &TenantId,
        criteria: ReviewCriteria,
    ) -> Result<ReviewCriteria, StoreError> {
        let id = criteria.id.clone();
        match self.inner.update_criteria(tenant, criteria).await {
            Ok(updated) => {
                self.remember(tenant, &id, Some(updated.clone())).await;
                Ok(updated)
            }
            Err(error) => {
                // A conflict or a miss means this replica's view is stale.
                self.cache.invalidate(&(tenant.clone(), id)).await;
                Err(error)
            }
        }
    }

    async fn delete_criteria(
        &self,
        tenant: &TenantId,
        id: &str,
        expected_version: Option<u64>,
    ) -> Result<(), StoreError> {
        let result = self
            .inner
            .delete_criteria(tenant, id, expected_version)
            .await;
        match &result {
            Ok(()) => self.remember(tenant, id, None).await,
            Err(_) => {
                self.cache
                    .invalidate(&(tenant.clone(), id.to_owned()))
                    .await
            }
        }
        result
    }
}
