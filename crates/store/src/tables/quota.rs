//! The live leases of an actor, counted on the write side under a per-actor lock.
//!
//! Live means requested, active or revoking. Requested and active leases have a row in
//! `lease_deadlines`; revoking ones have an unforced row in `revocation_attempts` (a
//! forced row belongs to a lease already revoked whose scramble is still retried). Both
//! tables are kept by triggers in the same transaction as the lease's events, so the
//! count is exact however far the read models lag.

use leasehold_domain::Actor;
use sqlx::{Postgres, Transaction};

use super::Store;

const LIVE_LEASES: &str = "
SELECT count(*) FROM (
    SELECT lease_id FROM lease_deadlines
    UNION
    SELECT lease_id FROM revocation_attempts WHERE NOT forced
) live
JOIN events e ON e.aggregate_type = 'Lease' AND e.aggregate_id = live.lease_id
             AND e.event_type = 'LeaseRequested'
WHERE e.metadata ->> 'actor' = $1";

/// An actor's quota lock: held (a transaction holding an advisory lock) from the count
/// until the new lease is appended, so concurrent requests of one actor, on any number of
/// service copies, cannot overshoot the cap.
pub struct QuotaLock {
    tx: Transaction<'static, Postgres>,
    actor: Actor,
}

impl Store {
    /// Takes `actor`'s quota lock, waiting for a concurrent holder to release it.
    pub async fn lock_quota(&self, actor: &Actor) -> Result<QuotaLock, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(format!("leasehold:lease-quota:{actor}"))
            .execute(&mut *tx)
            .await?;
        Ok(QuotaLock {
            tx,
            actor: actor.clone(),
        })
    }

    /// `actor`'s live leases now, without the lock (for reports and tests).
    pub async fn live_leases(&self, actor: &Actor) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar(LIVE_LEASES)
            .bind(actor.as_str())
            .fetch_one(&self.pool)
            .await
    }
}

impl QuotaLock {
    /// The actor's live leases, counted under the lock.
    pub async fn live_leases(&mut self) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar(LIVE_LEASES)
            .bind(self.actor.as_str())
            .fetch_one(&mut *self.tx)
            .await
    }

    /// Lets the actor's next request count (its new lease is now visible).
    pub async fn release(self) {
        // Ending the transaction releases the advisory lock; dropping it would too.
        self.tx.rollback().await.ok();
    }
}
