//! Per-actor cap on live leases (`quota_exceeded`).
//!
//! Live means requested, active or revoking. Requested and active leases come from
//! `lease_deadlines`, which a trigger keeps in the same transaction as each lease event,
//! so they are exact; revoking ones come from the `leases` read model (a lease that has
//! just been revoked may count for a moment longer: the error errs on the safe side).
//! The check and the append that follows run under a Postgres advisory lock per actor,
//! so concurrent requests of one actor, on any number of service copies, cannot
//! overshoot the cap.

use std::sync::Arc;

use leasehold_domain::LeaseId;
use serde_json::json;
use sqlx::{Postgres, Transaction};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::{CommandService, Request};
use crate::CommandError;

/// Quota checks in flight at once per service; each holds one pooled connection, so
/// this keeps the pool free for the appends they wait for.
pub(super) const QUOTA_SLOTS: usize = 8;

const LIVE_LEASES: &str = "
SELECT count(*) FROM (
    SELECT d.lease_id FROM lease_deadlines d
      JOIN events e ON e.aggregate_type = 'Lease' AND e.aggregate_id = d.lease_id
                   AND e.event_type = 'LeaseRequested'
     WHERE e.metadata ->> 'actor' = $1
    UNION
    SELECT lease_id FROM leases
     WHERE requested_by = $1 AND status IN ('requested', 'active', 'revoking')
) live";

/// Holds the actor's quota lock until the new lease is appended.
pub(super) struct QuotaHold {
    lock: Option<(Transaction<'static, Postgres>, OwnedSemaphorePermit)>,
}

impl QuotaHold {
    /// Lets the next request of this actor count (the new lease is now visible).
    pub async fn release(mut self) {
        if let Some((tx, permit)) = self.lock.take() {
            // Ending the transaction releases the advisory lock; dropping it would too.
            tx.rollback().await.ok();
            drop(permit);
        }
    }
}

/// Fresh semaphore for [`QUOTA_SLOTS`].
pub(super) fn quota_slots() -> Arc<Semaphore> {
    Arc::new(Semaphore::new(QUOTA_SLOTS))
}

impl CommandService {
    /// Fails with `quota_exceeded` when `req.actor` already holds the allowed number of
    /// live leases; otherwise holds the actor's lock until [`QuotaHold::release`].
    pub(super) async fn hold_quota(
        &self,
        req: &Request<'_>,
        lease_id: &LeaseId,
    ) -> Result<QuotaHold, CommandError> {
        let limit = self.config.limits.max_live_leases_per_actor;
        let none = QuotaHold { lock: None };
        if limit == 0 {
            return Ok(none);
        }
        // A retried request (same request id) for a lease that exists adds nothing.
        let existing = self.commands.leases.load(&lease_id.to_string()).await?;
        if existing.secret().is_some() {
            return Ok(none);
        }
        let db = |e: sqlx::Error| CommandError::unavailable(format!("quota check: {e}"));
        let permit = Arc::clone(&self.quota_slots)
            .acquire_owned()
            .await
            .map_err(|_| CommandError::unavailable("the command service is stopping"))?;
        let mut tx = self.commands.pool().begin().await.map_err(db)?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(format!("leasehold:lease-quota:{}", req.actor))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let live: i64 = sqlx::query_scalar(LIVE_LEASES)
            .bind(req.actor.as_str())
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        if live >= i64::from(limit) {
            return Err(CommandError::new(
                "quota_exceeded",
                format!(
                    "actor {} holds {live} live leases, the most allowed is {limit}; \
                     revoke one first",
                    req.actor
                ),
                json!({ "actor": req.actor.as_str(), "limit": limit, "live": live }),
            ));
        }
        Ok(QuotaHold {
            lock: Some((tx, permit)),
        })
    }
}
