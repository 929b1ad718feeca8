//! The `criteria` container: versioned review criteria per tenant, on ETags.

use async_trait::async_trait;
use azure_data_cosmos::feed::FeedScope;
use chrono::Utc;

use super::documents::CriteriaDoc;
use super::error::{retrying, unavailable};
use super::{CosmosStore, create_new, if_match, page_of, param, query};
use crate::model::{ReviewCriteria, TenantId};
use crate::store::{CRITERIA, CriteriaStore, Page, PageRequest, StoreError};

#[async_trait]
impl CriteriaStore for CosmosStore {
    async fn create_criteria(
        &self,
        tenant: &TenantId,
        mut criteria: ReviewCriteria,
    ) -> Result<ReviewCriteria, StoreError> {
        let now = Utc::now();
        criteria.version = 1;
        criteria.create_time = now;
        criteria.update_time = now;
        let document = CriteriaDoc::new(tenant, &criteria);
        create_new(
            &self.inner.criteria,
            tenant.as_str(),
            &document.id,
            &document,
            CRITERIA,
        )
        .await?;
        Ok(criteria)
    }

    async fn get_criteria(
        &self,
        tenant: &TenantId,
        id: &str,
    ) -> Result<Option<ReviewCriteria>, StoreError> {
        Ok(
            Self::read::<CriteriaDoc>(&self.inner.criteria, tenant.as_str(), id)
                .await?
                .map(|(document, _)| document.into_criteria()),
        )
    }

    async fn list_criteria(
        &self,
        tenant: &TenantId,
        page: PageRequest,
    ) -> Result<Page<ReviewCriteria>, StoreError> {
        let text = match page.after {
            Some(_) => {
                "SELECT * FROM c WHERE c.tenant = @tenant AND c.id > @after ORDER BY c.id ASC OFFSET 0 LIMIT @limit"
            }
            None => {
                "SELECT * FROM c WHERE c.tenant = @tenant ORDER BY c.id ASC OFFSET 0 LIMIT @limit"
            }
        };
        let mut q = param(query(text), "@tenant", tenant.as_str())?;
        if let Some(after) = &page.after {
            q = param(q, "@after", after)?;
        }
        q = param(q, "@limit", page.size + 1)?;
        let documents: Vec<CriteriaDoc> = Self::query(
            &self.inner.criteria,
            q,
            FeedScope::partition(tenant.as_str().to_owned()),
        )
        .await?;
        Ok(page_of(
            documents
                .into_iter()
                .map(CriteriaDoc::into_criteria)
                .collect(),
            page.size,
            |c| c.id.clone(),
        ))
    }

    async fn update_criteria(
        &self,
        tenant: &TenantId,
        mut criteria: ReviewCriteria,
    ) -> Result<ReviewCriteria, StoreError> {
        let container = &self.inner.criteria;
        let Some((stored, etag)) =
            Self::read::<CriteriaDoc>(container, tenant.as_str(), &criteria.id).await?
        else {
            return Err(StoreError::NotFound {
                kind: CRITERIA,
                id: criteria.id,
            });
        };
        let conflict = |actual| StoreError::VersionConflict {
            kind: CRITERIA,
            id: criteria.id.clone(),
            expected: criteria.version,
            actual,
        };
        if stored.version != criteria.version {
            return Err(conflict(stored.version));
        }
        let etag = etag.ok_or_else(|| StoreError::Corrupt("criteria without an etag".into()))?;
        let stored_version = stored.version;
        criteria.version = stored_version + 1;
        criteria.create_time = stored.into_criteria().create_time;
        criteria.update_time = Utc::now();
        let document = CriteriaDoc::new(tenant, &criteria);
        match retrying(|| {
            container.replace_item(
                tenant.as_str().to_owned(),
                &document.id,
                &document,
                Some(if_match(&etag)),
            )
        })
        .await
        {
            Ok(_) => Ok(criteria),
            Err(error) if error.status().is_precondition_failed() => {
                // Changed since it was read: report the version it is at now.
                let now = Self::read::<CriteriaDoc>(container, tenant.as_str(), &document.id)
                    .await?
                    .map_or(stored_version + 1, |(d, _)| d.version);
                Err(StoreError::VersionConflict {
                    kind: CRITERIA,
                    id: document.id,
                    expected: stored_version,
                    actual: now,
                })
            }
            Err(error) if error.status().is_not_found() => Err(StoreError::NotFound {
                kind: CRITERIA,
                id: document.id,
            }),
            Err(error) => Err(unavailable(&error)),
        }
    }

    async fn delete_criteria(
        &self,
        tenant: &TenantId,
        id: &str,
        expected_version: Option<u64>,
    ) -> Result<(), StoreError> {
        let container = &self.inner.criteria;
        let not_found = || StoreError::NotFound {
            kind: CRITERIA,
            id: id.to_owned(),
        };
        let Some((stored, etag)) =
            Self::read::<CriteriaDoc>(container, tenant.as_str(), id).await?
        else {
            return Err(not_found());
        };
        if let Some(expected) = expected_version
            && stored.version != expected
        {
            return Err(StoreError::VersionConflict {
                kind: CRITERIA,
                id: id.to_owned(),
                expected,
                actual: stored.version,
            });
        }
        let options = etag.as_deref().map(if_match);
        match retrying(|| container.delete_item(tenant.as_str().to_owned(), id, options.clone()))
            .await
        {
            Ok(_) => Ok(()),
            Err(error) if error.status().is_not_found() => Err(not_found()),
            Err(error) if error.status().is_precondition_failed() => {
                let actual = Self::read::<CriteriaDoc>(container, tenant.as_str(), id)
                    .await?
                    .map_or(stored.version, |(d, _)| d.version);
                Err(StoreError::VersionConflict {
                    kind: CRITERIA,
                    id: id.to_owned(),
                    expected: expected_version.unwrap_or(stored.version),
                    actual,
                })
            }
            Err(error) => Err(unavailable(&error)),
        }
    }
}
