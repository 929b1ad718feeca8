//! The `leases` and `owners` tables: who runs each unfinished orchestration, and each server's
//! heartbeat, which its leases follow; and the owner locks that let a restarted server take
//! over at once.

use async_trait::async_trait;
use chrono::Utc;
use rusqlite::{Connection, OptionalExtension, params};

use super::error::sql_error;
use super::rows::millis;
use super::{Inner, SqliteStore};
use crate::model::TenantId;
use crate::store::forms::FOLLOWS_OWNER_MILLIS;
use crate::store::{Heartbeat, Lease, LeaseStore, StoreError};

/// Releases a lease its owner still holds.
pub(super) const RELEASE_LEASE: &str =
    "DELETE FROM leases WHERE tenant = ?1 AND orchestration_id = ?2 AND owner = ?3";

/// Records an owner that has no heartbeat yet (an existing one is left as it is).
pub(super) const FIRST_HEARTBEAT: &str =
    "INSERT OR IGNORE INTO owners (owner, host, expire_millis) VALUES (?1, NULL, ?2)";

/// How long the heartbeat of a gone owner that holds no lease is kept, for people reading it.
const GONE_OWNERS_KEPT_MILLIS: i64 = 24 * 3600 * 1000;

pub(super) fn lease_from(
    tenant: &str,
    orchestration_id: String,
    owner: String,
    version: i64,
) -> Result<Lease, StoreError> {
    Ok(Lease {
        tenant: TenantId::new(tenant).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        orchestration_id,
        owner,
        etag: version.to_string(),
    })
}

/// Whether `owner`, holder of a lease stored with `lease_expire_millis`, is gone at `now`.
fn is_gone(
    connection: &Connection,
    inner: &Inner,
    owner: &str,
    lease_expire_millis: i64,
    now: i64,
) -> Result<bool, StoreError> {
    if inner.owners.is_gone(owner) {
        return Ok(true);
    }
    let heartbeat: Option<i64> = connection
        .prepare_cached("SELECT expire_millis FROM owners WHERE owner = ?1")
        .map_err(sql_error)?
        .query_row(params![owner], |row| row.get(0))
        .optional()
        .map_err(sql_error)?;
    // No heartbeat: a lease of an older build, with an expiry of its own.
    Ok(heartbeat.unwrap_or(lease_expire_millis) < now)
}

/// (tenant, orchestration id, owner, version) of a lease row.
type LeaseRow = (String, String, String, i64);

fn lease_rows(
    connection: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<LeaseRow>, StoreError> {
    connection
        .prepare_cached(sql)
        .map_err(sql_error)?
        .query_map(params, |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })
        .map_err(sql_error)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sql_error)
}

#[async_trait]
impl LeaseStore for SqliteStore {
    async fn heartbeat(&self, beat: &Heartbeat) -> Result<(), StoreError> {
        let beat = beat.clone();
        self.write(move |connection| {
            connection
                .prepare_cached(
                    "INSERT INTO owners (owner, host, expire_millis) VALUES (?1, ?2, ?3)
                     ON CONFLICT (owner) DO UPDATE SET host = excluded.host, expire_millis = excluded.expire_millis",
                )
                .map_err(sql_error)?
                .execute(params![beat.owner, beat.host, millis(beat.expire_time)])
                .map_err(sql_error)?;
            Ok(())
        })
        .await
    }

    async fn claim_owner(&self, beat: &Heartbeat) -> Result<(), StoreError> {
        let inner = self.inner.clone();
        let owner = beat.owner.clone();
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
        .await?;
        self.heartbeat(beat).await?;
        self.write(|connection| {
            connection
                .execute(
                    "DELETE FROM owners WHERE expire_millis < ?1
                     AND NOT EXISTS (SELECT 1 FROM leases WHERE leases.owner = owners.owner)",
                    params![millis(Utc::now()) - GONE_OWNERS_KEPT_MILLIS],
                )
                .map_err(sql_error)?;
            Ok(())
        })
        .await
    }

    async fn acquire_lease(
        &self,
        tenant: &TenantId,
        orchestration_id: &str,
        owner: &str,
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
            let now = millis(Utc::now());
            let version = match held {
                None => 1,
                Some((holder, expires, version))
                    if holder == owner || is_gone(&transaction, &inner, &holder, expires, now)? =>
                {
                    version + 1
                }
                Some(_) => return Ok(None),
            };
            transaction
                .execute(
                    "INSERT OR REPLACE INTO leases (tenant, orchestration_id, owner, expire_millis, version) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![tenant, id, owner, FOLLOWS_OWNER_MILLIS, version],
                )
                .map_err(sql_error)?;
            transaction.commit().map_err(sql_error)?;
            lease_from(&tenant, id, owner, version).map(Some)
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

    async fn orphaned_leases(
        &self,
        now: chrono::DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Lease>, StoreError> {
        let inner = self.inner.clone();
        self.read(move |connection| {
            let now = millis(now);
            // Owners whose lock is free (dead processes on this data dir) first: a restart
            // resumes at once.
            let owners: Vec<String> = connection
                .prepare_cached("SELECT DISTINCT owner FROM leases")
                .map_err(sql_error)?
                .query_map([], |row| row.get(0))
                .map_err(sql_error)?
                .collect::<Result<_, _>>()
                .map_err(sql_error)?;
            let mut rows = Vec::new();
            for owner in owners.iter().filter(|o| inner.owners.is_gone(o)) {
                let left = limit.saturating_sub(rows.len());
                if left == 0 {
                    break;
                }
                rows.extend(lease_rows(
                    connection,
                    "SELECT tenant, orchestration_id, owner, version FROM leases WHERE owner = ?1 LIMIT ?2",
                    params![owner, left as i64],
                )?);
            }
            let left = limit.saturating_sub(rows.len());
            if left > 0 {
                rows.extend(lease_rows(
                    connection,
                    "SELECT l.tenant, l.orchestration_id, l.owner, l.version
                     FROM leases l LEFT JOIN owners o ON o.owner = l.owner
                     WHERE coalesce(o.expire_millis, l.expire_millis) < ?1
                     LIMIT ?2",
                    params![now, left as i64],
                )?);
            }
            rows.sort();
            rows.dedup();
            rows.into_iter()
                .map(|(tenant, id, owner, version)| lease_from(&tenant, id, owner, version))
                .collect()
        })
        .await
    }
}
