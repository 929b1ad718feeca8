//! The `leases` container: who runs each unfinished orchestration, until when.

use async_trait::async_trait;
use azure_data_cosmos::feed::FeedScope;
use chrono::{DateTime, Utc};

use super::documents::LeaseDoc;
use super::error::{ATTEMPTS, retrying, unavailable};
use super::{CosmosStore, if_match, param, query};
use crate::model::TenantId;
use crate::store::{LEASE, Lease, LeaseStore, StoreError};

fn millis(time: DateTime<Utc>) -> i64 {
    time.timestamp_millis()
}

impl CosmosStore {
    /// The stored lease when it is exactly `document` (owner and expiry): a write of ours that
    /// landed although the call failed.
    async fn lease_if_ours(&self, document: &LeaseDoc) -> Result<Option<Lease>, StoreError> {
        let stored =
            Self::read::<LeaseDoc>(&self.inner.leases, &document.tenant, &document.id).await?;
        match stored {
            Some((stored, etag))
                if stored.owner == document.owner
                    && stored.expire_millis == document.expire_millis =>
            {
                stored.into_lease(etag).map(Some)
            }
            _ => Ok(None),
        }
    }
}

#[async_trait]
impl LeaseStore for CosmosStore {
    async fn acquire_lease(
        &self,
        tenant: &TenantId,
        orchestration_id: &str,
        owner: &str,
        expire_time: DateTime<Utc>,
    ) -> Result<Option<Lease>, StoreError> {
        let container = &self.inner.leases;
        let document = LeaseDoc {
            id: orchestration_id.to_owned(),
            tenant: tenant.as_str().to_owned(),
            owner: owner.to_owned(),
            expire_millis: millis(expire_time),
            etag: None,
        };
        let held = Self::read::<LeaseDoc>(container, tenant.as_str(), orchestration_id).await?;
        let written = match held {
            None => {
                match retrying(|| {
                    container.create_item(
                        tenant.as_str().to_owned(),
                        orchestration_id,
                        &document,
                        None,
                    )
                })
                .await
                {
                    Ok(response) => response,
                    // Someone else created it first, or an earlier attempt of ours did.
                    Err(error) if error.status().is_conflict() => {
                        return self.lease_if_ours(&document).await;
                    }
                    Err(error) => return Err(unavailable(&error)),
                }
            }
            Some((current, etag)) => {
                if current.owner != owner && current.expire_millis >= millis(Utc::now()) {
                    return Ok(None);
                }
                let options = etag.as_deref().map(if_match);
                match retrying(|| {
                    container.replace_item(
                        tenant.as_str().to_owned(),
                        orchestration_id,
                        &document,
                        options.clone(),
                    )
                })
                .await
                {
                    Ok(response) => response,
                    // Taken over (or released) in between.
                    Err(error)
                        if error.status().is_precondition_failed()
                            || error.status().is_not_found() =>
                    {
                        return Ok(None);
                    }
                    Err(error) => return Err(unavailable(&error)),
                }
            }
        };
        let etag = written.headers().etag().map(|etag| etag.to_string());
        document.into_lease(etag).map(Some)
    }

    async fn renew_lease(
        &self,
        lease: &Lease,
        expire_time: DateTime<Utc>,
    ) -> Result<Lease, StoreError> {
        let container = &self.inner.leases;
        let document = LeaseDoc {
            id: lease.orchestration_id.clone(),
            tenant: lease.tenant.as_str().to_owned(),
            owner: lease.owner.clone(),
            expire_millis: millis(expire_time),
            etag: None,
        };
        let options = Some(if_match(&lease.etag));
        match retrying(|| {
            container.replace_item(
                lease.tenant.as_str().to_owned(),
                &lease.orchestration_id,
                &document,
                options.clone(),
            )
        })
        .await
        {
            Ok(response) => {
                let etag = response.headers().etag().map(|etag| etag.to_string());
                document.into_lease(etag)
            }
            Err(error) if error.status().is_precondition_failed() => {
                // An earlier attempt of ours may have landed with its answer lost.
                if let Some(renewed) = self.lease_if_ours(&document).await? {
                    return Ok(renewed);
                }
                Err(StoreError::VersionConflict {
                    kind: LEASE,
                    id: lease.orchestration_id.clone(),
                    expected: 0,
                    actual: 0,
                })
            }
            Err(error) if error.status().is_not_found() => Err(StoreError::NotFound {
                kind: LEASE,
                id: lease.orchestration_id.clone(),
            }),
            Err(error) => Err(unavailable(&error)),
        }
    }

    async fn release_lease(&self, lease: &Lease) -> Result<(), StoreError> {
        let container = &self.inner.leases;
        let tenant = lease.tenant.as_str();
        let mut etag = lease.etag.clone();
        for _ in 0..ATTEMPTS {
            let options = Some(if_match(&etag));
            match retrying(|| {
                container.delete_item(tenant.to_owned(), &lease.orchestration_id, options.clone())
            })
            .await
            {
                Ok(_) => return Ok(()),
                Err(error) if error.status().is_not_found() => return Ok(()),
                Err(error) if error.status().is_precondition_failed() => {
                    // Renewed since `lease` was read: still ours to release, at its new ETag.
                    // Another owner's now: nothing of ours to release.
                    match Self::read::<LeaseDoc>(container, tenant, &lease.orchestration_id).await?
                    {
                        Some((stored, Some(current))) if stored.owner == lease.owner => {
                            etag = current;
                        }
                        _ => return Ok(()),
                    }
                }
                Err(error) => return Err(unavailable(&error)),
            }
        }
        Err(StoreError::Unavailable(format!(
            "cosmos: the lease of {:?} kept changing while it was released",
            lease.orchestration_id
        )))
    }

    async fn expired_leases(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Lease>, StoreError> {
        // Across tenants: the one query that spans partitions, run every few seconds. Plain
        // (no ORDER BY, OFFSET or LIMIT), which needs no query plan across partitions.
        let q = param(
            query("SELECT * FROM c WHERE c.expire_millis < @now"),
            "@now",
            millis(now),
        )?;
        let mut documents: Vec<LeaseDoc> =
            Self::query(&self.inner.leases, q, FeedScope::full_container()).await?;
        documents.sort_by_key(|document| document.expire_millis);
        documents
            .into_iter()
            .take(limit)
            .map(|document| document.into_lease(None))
            .collect()
    }
}
