//! Pruning: the outbox and the idempotency keys of `lease.create` would otherwise grow
//! with every event and every request, forever.
//!
//! - A published outbox row has done its job once JetStream acknowledged it (the
//!   events table keeps the event itself); it is kept for [`Retention::outbox`] so an
//!   operator can still see what was relayed recently.
//! - A `lease_requests` row binds `(actor, request id)` to one lease, so a retried
//!   `lease.create` gets the same lease. It is deleted [`Retention::lease_requests`]
//!   after its lease ended (revoked or failed activation), or after that long if its
//!   lease never came into being. Until then a retry returns the same lease; after it,
//!   the same request id would make a new lease.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// Rows deleted per statement, so one pruning never holds long locks.
const BATCH: i64 = 5_000;

/// How long rows are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    /// Published outbox rows, after publication.
    pub outbox: Duration,
    /// `lease_requests` rows, after their lease ended.
    pub lease_requests: Duration,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            outbox: Duration::from_secs(24 * 3600),
            lease_requests: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

/// What one pruning deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Published outbox rows.
    pub outbox: u64,
    /// Idempotency keys of ended leases.
    pub lease_requests: u64,
}

/// Deletes what `retention` no longer keeps, as of `now` (the caller's clock, so tests
/// can look a week ahead; the rows' own times come from the database).
pub async fn prune(
    pool: &PgPool,
    now: DateTime<Utc>,
    retention: Retention,
) -> sqlx::Result<Pruned> {
    let outbox_cutoff = now - to_chrono(retention.outbox);
    let requests_cutoff = now - to_chrono(retention.lease_requests);
    let mut pruned = Pruned::default();
    loop {
        let done = sqlx::query(
            "DELETE FROM outbox WHERE id IN (
                 SELECT id FROM outbox
                  WHERE published_at IS NOT NULL AND published_at < $1
                  LIMIT $2)",
        )
        .bind(outbox_cutoff)
        .bind(BATCH)
        .execute(pool)
        .await?
        .rows_affected();
        pruned.outbox += done;
        if done < BATCH as u64 {
            break;
        }
    }
    loop {
        let done = sqlx::query(
            "DELETE FROM lease_requests WHERE (actor, request_id) IN (
                 SELECT r.actor, r.request_id FROM lease_requests r
                  WHERE r.created_at < $1
                    AND (EXISTS (SELECT 1 FROM events e
                                  WHERE e.aggregate_type = 'Lease'
                                    AND e.aggregate_id = r.lease_id
                                    AND e.event_type IN ('LeaseRevoked', 'LeaseActivationFailed')
                                    AND e.recorded_at < $1)
                         OR NOT EXISTS (SELECT 1 FROM events e
                                         WHERE e.aggregate_type = 'Lease'
                                           AND e.aggregate_id = r.lease_id))
                  LIMIT $2)",
        )
        .bind(requests_cutoff)
        .bind(BATCH)
        .execute(pool)
        .await?
        .rows_affected();
        pruned.lease_requests += done;
        if done < BATCH as u64 {
            break;
        }
    }
    Ok(pruned)
}

fn to_chrono(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}
