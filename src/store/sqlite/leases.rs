//! The `leases` table: who runs each unfinished orchestration, until when; and the owner locks
//! that let a restarted server take over at once.

use async_trait::async_trait;
use chrono::Utc;
use rusqlite::{OptionalExtension, params};

use super::SqliteStore;
use super::error::sql_error;
use super::rows::millis;
use crate::model::TenantId;
use crate::store::{LEASE, Lease, LeaseStore, StoreError};

/// Releases a lease its owner still holds, at whatever version: a renewal may have landed since
/// the owner last read it.
pub(super) const RELEASE_LEASE: &str =
    "DELETE FROM leases WHERE tenant = ?1 AND orchestration_id = ?2 AND owner = ?3";

pub(super) fn lease_from(
    tenant: &str,
    orchestration_id: String,
    owner: String,
    expire_millis: i64,
    version: i64,
) -> Result<Lease, StoreError> {
    Ok(Lease {
        tenant: TenantId::new(tenant).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        orchestration_id,
        owner,
        expire_time: chrono::DateTime::from_timestamp_millis(expire_millis).ok_or_else(|| {
            StoreError::Corrupt(format!("lease expiry {expire_millis} out of range"))
        })?,
        etag: version.to_string(),
    })
}

fn lease_version(lease: &Lease) -> Result<i64, StoreError> {
    lease.etag.parse().map_err(|_| StoreError::VersionConflict {
        kind: LEASE,
        id: lease.orchestration_id.clone(),
        expected: 0,
        actual: 0,
    })
}

#[async_trait]
impl LeaseStore for SqliteStore {
    async fn acquire_lease(
        &self,
        tenant: &TenantId,
        orchestration_id: &str,
        owner: &str,
        expire_time: chrono::DateTime<Utc>,
    ) -> Result<Option<Lease>, StoreError> {
        let (tenant, id, owner) = (
            tenant.as_str().to_owned(),
            orchestration_id.to_owned(),
            owner.to_owned(),
        );
        let inner = self.inner.clone();
        self.write(move |connection| {
            let transaction = connection.transaction().map_err(sql_error)?;
            let held: Option<(String, i64, i64)> = transaction
                .query_row(
                    "SELECT owner, expire_millis, version FROM leases WHERE tenant = ?1 AND orchestration_id = ?2",
                    params![tenant, id],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .optional()
                .map_err(sql_error)?;
            let version = match held {
                None => 1,
                Some((holder, expires, version))
                    if holder == owner
                        || expires < millis(Utc::now())
                        || inner.owners.is_gone(&holder) =>
                {
                    version + 1
                }
                Some(_) => return Ok(None),
            };
            transaction
                .execute(
                    "INSERT OR REPLACE INTO leases (tenant, orchestration_id, owner, expire_millis, version) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![tenant, id, owner, millis(expire_time), version],
                )
                .map_err(sql_error)?;
            transaction.commit().map_err(sql_error)?;
            lease_from(&tenant, id, owner, millis(expire_time), version).map(Some)
        })
        .await
    }

    async fn renew_lease(
        &self,
        lease: &Lease,
        expire_time: chrono::DateTime<Utc>,
    ) -> Result<Lease, StoreError> {
        let version = lease_version(lease)?;
        let lease = lease.clone();
        self.write(move |connection| {
            let changed = connection
                .execute(
                    "UPDATE leases SET expire_millis = ?5, version = version + 1
                     WHERE tenant = ?1 AND orchestration_id = ?2 AND owner = ?3 AND version = ?4",
                    params![
                        lease.tenant.as_str(),
                        lease.orchestration_id,
                        lease.owner,
                        version,
                        millis(expire_time)
                    ],
                )
                .map_err(sql_error)?;
            if changed == 0 {
                let actual: Option<i64> = connection
                    .query_row(
                        "SELECT version FROM leases WHERE tenant = ?1 AND orchestration_id = ?2",
                        params![lease.tenant.as_str(), lease.orchestration_id],
                        |row| row.get(0),
                    )
                    .optional()
                    .map_err(sql_error)?;
                return Err(match actual {
                    None => StoreError::NotFound {
                        kind: LEASE,
                        id: lease.orchestration_id,
                    },
                    Some(actual) => StoreError::VersionConflict {
                        kind: LEASE,
                        id: lease.orchestration_id,
                        expected: version as u64,
                        actual: actual as u64,
                    },
                });
            }
            Ok(Lease {
                expire_time,
                etag: (version + 1).to_string(),
                ..lease
            })
        })
        .await
    }

    async fn release_lease(&self, lease: &Lease) -> Result<(), StoreError> {
        let lease = lease.clone();
        self.write(move |connection| {
            connection
                .execute(
                    RELEASE_LEASE,
                    params![lease.tenant.as_str(), lease.orchestration_id, lease.owner],
                )
                .map_err(sql_error)?;
            Ok(())
        })
        .await
    }

    async fn expired_leases(
        &self,
        now: chrono::DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Lease>, StoreError> {
        self.read(move |connection| {
            let mut statement = connection
                .prepare_cached(
                    "SELECT tenant, orchestration_id, owner, expire_millis, version FROM leases
                     WHERE expire_millis < ?1 ORDER BY expire_millis LIMIT ?2",
                )
                .map_err(sql_error)?;
            let rows = statement
                .query_map(params![millis(now), limit as i64], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, i64>(3)?,
                        row.get::<_, i64>(4)?,
                    ))
                })
                .map_err(sql_error)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(sql_error)?;
            rows.into_iter()
                .map(|(tenant, id, owner, expires, version)| {
                    lease_from(&tenant, id, owner, expires, version)
                })
                .collect()
        })
        .await
    }

    async fn claim_owner(&self, owner: &str) -> Result<(), StoreError> {
        let inner = self.inner.clone();
        let owner = owner.to_owned();
        self.read(move |connection| {
            let holds_leases = |who: &str| {
                connection
                    .query_row(
                        "SELECT 1 FROM leases WHERE owner = ?1 LIMIT 1",
                        params![who],
                        |_| Ok(()),
                    )
                    .optional()
                    // When unsure, keep the file: it only costs a few bytes.
                    .map_or(true, |found| found.is_some())
            };
            inner.owners.claim(&owner, holds_leases).map_err(|e| {
                StoreError::Unavailable(format!("cannot claim the owner lock file: {e}"))
            })
        })
        .await
    }

    async fn abandoned_leases(&self, limit: usize) -> Result<Vec<Lease>, StoreError> {
        let inner = self.inner.clone();
        self.read(move |connection| {
            let now = millis(Utc::now());
            let owners: Vec<String> = connection
                .prepare_cached("SELECT DISTINCT owner FROM leases WHERE expire_millis >= ?1")
                .map_err(sql_error)?
                .query_map(params![now], |row| row.get(0))
                .map_err(sql_error)?
                .collect::<Result<_, _>>()
                .map_err(sql_error)?;
            let mut statement = connection
                .prepare_cached(
                    "SELECT tenant, orchestration_id, expire_millis, version FROM leases
                     WHERE owner = ?1 AND expire_millis >= ?2 LIMIT ?3",
                )
                .map_err(sql_error)?;
            let mut found = Vec::new();
            for owner in owners.into_iter().filter(|o| inner.owners.is_gone(o)) {
                let left = limit.saturating_sub(found.len());
                if left == 0 {
                    break;
                }
                let rows = statement
                    .query_map(params![owner, now, left as i64], |row| {
                        Ok((
                            row.get::<_, String>(0)?,
                            row.get::<_, String>(1)?,
                            row.get::<_, i64>(2)?,
                            row.get::<_, i64>(3)?,
                        ))
                    })
                    .map_err(sql_error)?
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(sql_error)?;
                for (tenant, id, expires, version) in rows {
                    found.push(lease_from(&tenant, id, owner.clone(), expires, version)?);
                }
            }
            Ok(found)
        })
        .await
    }
}
