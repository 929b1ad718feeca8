//! The `leases` container: who runs each unfinished orchestration (partition: its tenant), and
//! each server's heartbeat, which its leases follow (partition `OWNERS_PARTITION`); and the
//! fence in each orchestration's log partition that a takeover moves.

use async_trait::async_trait;
use azure_data_cosmos::CosmosError;
use azure_data_cosmos::feed::FeedScope;
use chrono::{DateTime, Utc};

use super::documents::{FENCE_ID, FenceDoc, LeaseDoc, OWNERS_PARTITION, OwnerDoc, owner_doc_id};
use super::error::{retrying, unavailable};
use super::{CosmosStore, if_match, param, query, write_once};
use crate::model::TenantId;
use crate::store::forms::FOLLOWS_OWNER_MILLIS;
use crate::store::{Heartbeat, Lease, LeaseClaim, LeaseStore, StoreError};

/// How long the heartbeat of a gone owner that holds no lease is kept, for people reading it.
const GONE_OWNERS_KEPT_MILLIS: i64 = 24 * 3600 * 1000;

fn millis(time: DateTime<Utc>) -> i64 {
    time.timestamp_millis()
}

/// A conditional write whose document changed or went meanwhile: nothing left to do here.
fn unless_moved<T>(written: Result<T, CosmosError>) -> Result<(), StoreError> {
    match written {
        Ok(_) => Ok(()),
        Err(error) if error.status().is_precondition_failed() || error.status().is_not_found() => {
            Ok(())
        }
        Err(error) => Err(unavailable(&error)),
    }
}

impl CosmosStore {
    /// The stored lease when `owner` holds it: a write of ours that landed although the call
    /// failed.
    async fn lease_if_ours(
        &self,
        tenant: &TenantId,
        orchestration_id: &str,
        owner: &str,
    ) -> Result<Option<Lease>, StoreError> {
        let stored =
            Self::read::<LeaseDoc>(&self.inner.leases, tenant.as_str(), orchestration_id).await?;
        match stored {
            Some((stored, etag)) if stored.owner == owner => stored.into_lease(etag).map(Some),
            _ => Ok(None),
        }
    }

    /// Gives the owner of `claim` a heartbeat, unless this store wrote one already or one
    /// exists: no lease may name an owner nobody can tell is gone.
    pub(super) async fn record_owner(&self, claim: &LeaseClaim) -> Result<(), StoreError> {
        if self.inner.recorded_owners.contains(&claim.owner) {
            return Ok(());
        }
        let document = OwnerDoc::of(&Heartbeat {
            owner: claim.owner.clone(),
            host: None,
            process: String::new(),
            expire_time: claim.heartbeat_until,
        });
        write_once(
            &self.inner.leases,
            OWNERS_PARTITION,
            &document.id,
            &document,
        )
        .await?;
        self.inner.recorded_owners.insert(&claim.owner);
        Ok(())
    }

    /// Every server's heartbeat: one partition, a few documents per server that ever ran.
    async fn heartbeats(&self) -> Result<Vec<OwnerDoc>, StoreError> {
        Self::query(
            &self.inner.leases,
            query("SELECT * FROM c"),
            FeedScope::partition(OWNERS_PARTITION.to_owned()),
        )
        .await
    }

    /// Makes `owner` the one that may write the log of `orchestration_id`, whoever it was
    /// before: a log batch of the previous owner, conditioned on the fence it last saw, fails
    /// from then on.
    pub(super) async fn set_fence(
        &self,
        tenant: &TenantId,
        orchestration_id: &str,
        owner: &str,
    ) -> Result<(), StoreError> {
        let fence = FenceDoc::new(tenant, orchestration_id, owner);
        let written = retrying(|| {
            self.inner
                .events
                .upsert_item(orchestration_id.to_owned(), FENCE_ID, &fence, None)
        })
        .await
        .map_err(|error| unavailable(&error))?;
        match written.headers().etag() {
            Some(etag) => self
                .inner
                .fences
                .insert(orchestration_id, owner, etag.to_string()),
            None => self.inner.fences.forget(orchestration_id, owner),
        }
        Ok(())
    }

    /// Takes the lease for `owner` when it is free, its owner's or gone; the fence is the
    /// caller's to move.
    pub(super) async fn take_lease(
        &self,
        tenant: &TenantId,
        orchestration_id: &str,
        owner: &str,
    ) -> Result<Option<Lease>, StoreError> {
        let held =
            Self::read::<LeaseDoc>(&self.inner.leases, tenant.as_str(), orchestration_id).await?;
        if let Some((current, _)) = &held
            && current.owner != owner
            && !self.owner_is_gone(current, millis(Utc::now())).await?
        {
            return Ok(None);
        }
        self.write_lease(tenant, orchestration_id, owner, held)
            .await
    }

    async fn write_lease(
        &self,
        tenant: &TenantId,
        orchestration_id: &str,
        owner: &str,
        held: Option<(LeaseDoc, Option<String>)>,
    ) -> Result<Option<Lease>, StoreError> {
        let container = &self.inner.leases;
        let document = LeaseDoc {
            id: orchestration_id.to_owned(),
            tenant: tenant.as_str().to_owned(),
            owner: owner.to_owned(),
            expire_millis: FOLLOWS_OWNER_MILLIS,
            etag: None,
        };
        let partition = || tenant.as_str().to_owned();
        let written = match held {
            None => {
                retrying(|| container.create_item(partition(), orchestration_id, &document, None))
                    .await
            }
            Some((_, etag)) => {
                let options = etag.as_deref().map(if_match);
                retrying(|| {
                    container.replace_item(
                        partition(),
                        orchestration_id,
                        &document,
                        options.clone(),
                    )
                })
                .await
            }
        };
        match written {
            Ok(response) => {
                let etag = response.headers().etag().map(|etag| etag.to_string());
                document.into_lease(etag).map(Some)
            }
            // Created, taken over or released in between; or an earlier attempt of ours landed.
            Err(error)
                if error.status().is_conflict()
                    || error.status().is_precondition_failed()
                    || error.status().is_not_found() =>
            {
                self.lease_if_ours(tenant, orchestration_id, owner).await
            }
            Err(error) => Err(unavailable(&error)),
        }
    }

    /// Whether the owner of `lease` is gone at `now`, by its heartbeat; a lease of an older
    /// build (its owner has none) by its own expiry.
    async fn owner_is_gone(&self, lease: &LeaseDoc, now: i64) -> Result<bool, StoreError> {
        let heartbeat = Self::read::<OwnerDoc>(
            &self.inner.leases,
            OWNERS_PARTITION,
            &owner_doc_id(&lease.owner),
        )
        .await?;
        let expires = heartbeat.map_or(lease.expire_millis, |(beat, _)| beat.beat_until_millis);
        Ok(expires < now)
    }

    /// Expires the heartbeats of servers of other processes on `beat.owner`'s host: it runs
    /// one process at a time, so they are gone.
    async fn retire_predecessors(
        &self,
        beat: &Heartbeat,
        heartbeats: &[OwnerDoc],
        now: i64,
    ) -> Result<(), StoreError> {
        let Some(host) = &beat.host else {
            return Ok(());
        };
        for predecessor in heartbeats {
            let same_host = predecessor.host.as_deref() == Some(host.as_str());
            if !same_host
                || predecessor.process == beat.process
                || predecessor.beat_until_millis < now
            {
                continue;
            }
            tracing::info!(owner = %predecessor.owner, "a server that ran on this host before is gone");
            let options = predecessor.etag.as_deref().map(if_match);
            let retired = OwnerDoc {
                beat_until_millis: now - 1,
                ..predecessor.clone()
            };
            // Moved meanwhile: it beat again (so it is not gone after all), or was removed.
            unless_moved(
                retrying(|| {
                    self.inner.leases.replace_item(
                        OWNERS_PARTITION.to_owned(),
                        &retired.id,
                        &retired,
                        options.clone(),
                    )
                })
                .await,
            )?;
        }
        Ok(())
    }

    /// Removes the heartbeats of owners gone for a day that hold no lease.
    async fn forget_gone_owners(
        &self,
        heartbeats: &[OwnerDoc],
        now: i64,
    ) -> Result<(), StoreError> {
        for gone in heartbeats {
            if gone.beat_until_millis >= now - GONE_OWNERS_KEPT_MILLIS {
                continue;
            }
            let q = query("SELECT c.id FROM c WHERE c.owner = @owner AND c.tenant != @owners");
            let q = param(
                param(q, "@owner", &gone.owner)?,
                "@owners",
                OWNERS_PARTITION,
            )?;
            let leases: Vec<serde_json::Value> =
                Self::query(&self.inner.leases, q, FeedScope::full_container()).await?;
            if !leases.is_empty() {
                continue;
            }
            let options = gone.etag.as_deref().map(if_match);
            unless_moved(
                retrying(|| {
                    self.inner.leases.delete_item(
                        OWNERS_PARTITION.to_owned(),
                        &gone.id,
                        options.clone(),
                    )
                })
                .await,
            )?;
        }
        Ok(())
    }
}

#[async_trait]
impl LeaseStore for CosmosStore {
    async fn heartbeat(&self, beat: &Heartbeat) -> Result<(), StoreError> {
        let document = OwnerDoc::of(beat);
        retrying(|| {
            self.inner.leases.upsert_item(
                OWNERS_PARTITION.to_owned(),
                &document.id,
                &document,
                None,
            )
        })
        .await
        .map_err(|error| unavailable(&error))?;
        self.inner.recorded_owners.insert(&beat.owner);
        Ok(())
    }

    async fn claim_owner(&self, beat: &Heartbeat) -> Result<(), StoreError> {
        self.heartbeat(beat).await?;
        let now = millis(Utc::now());
        let heartbeats = self.heartbeats().await?;
        self.retire_predecessors(beat, &heartbeats, now).await?;
        self.forget_gone_owners(&heartbeats, now).await
    }

    async fn acquire_lease(
        &self,
        tenant: &TenantId,
        orchestration_id: &str,
        owner: &str,
    ) -> Result<Option<Lease>, StoreError> {
        let Some(lease) = self.take_lease(tenant, orchestration_id, owner).await? else {
            return Ok(None);
        };
        // After the lease, before anyone reads the log to resume it: what the previous owner
        // writes from here on fails.
        self.set_fence(tenant, orchestration_id, owner).await?;
        Ok(Some(lease))
    }

    async fn release_lease(&self, lease: &Lease) -> Result<(), StoreError> {
        let container = &self.inner.leases;
        let tenant = lease.tenant.as_str();
        let Some((stored, etag)) =
            Self::read::<LeaseDoc>(container, tenant, &lease.orchestration_id).await?
        else {
            return Ok(());
        };
        if stored.owner != lease.owner {
            return Ok(()); // another owner's now: nothing of ours to release
        }
        let options = etag.as_deref().map(if_match);
        // Moved in between: taken over, not ours any more.
        unless_moved(
            retrying(|| {
                container.delete_item(tenant.to_owned(), &lease.orchestration_id, options.clone())
            })
            .await,
        )?;
        self.inner
            .fences
            .forget(&lease.orchestration_id, &lease.owner);
        Ok(())
    }

    async fn orphaned_leases(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Lease>, StoreError> {
        let now = millis(now);
        let gone: Vec<String> = self
            .heartbeats()
            .await?
            .into_iter()
            .filter(|beat| beat.beat_until_millis < now)
            .map(|beat| beat.owner)
            .collect();
        // Across tenants: the one query that spans partitions, run every few seconds. Plain
        // (no ORDER BY, OFFSET or LIMIT), which needs no query plan across partitions. Leases
        // of gone owners, and those of older builds that expired (their owners have no
        // heartbeat, and this build's leases never expire by themselves).
        let q = param(
            param(
                query(
                    "SELECT * FROM c WHERE c.tenant != @owners AND (c.expire_millis < @now OR ARRAY_CONTAINS(@gone, c.owner))",
                ),
                "@now",
                now,
            )?,
            "@gone",
            &gone,
        )?;
        let q = param(q, "@owners", OWNERS_PARTITION)?;
        let documents: Vec<LeaseDoc> =
            Self::query(&self.inner.leases, q, FeedScope::full_container()).await?;
        documents
            .into_iter()
            .take(limit)
            .map(|document| document.into_lease(None))
            .collect()
    }
}
