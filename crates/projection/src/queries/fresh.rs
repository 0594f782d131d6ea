//! Read-your-writes for the caller's own leases: before `lease.list` (and `lease.get`)
//! read the `leases` table, they wait, briefly, until the projector has applied every
//! event of the leases the caller changed lately — including the events that followed
//! (a worker's `LeaseActivationFailed` after the caller's `LeaseRequested`). Without it,
//! `lease list --status activation_failed` right after the failure said "no leases".

use std::time::Duration;

use sqlx::PgPool;

/// How long a query waits for the read model to catch up before answering anyway.
const MAX_WAIT: Duration = Duration::from_secs(2);
/// How often it looks.
const STEP: Duration = Duration::from_millis(20);

/// Leases `$1` changed in the last ten minutes whose read-model row lags their events.
const LAGGING_FOR_ACTOR: &str = "
    SELECT count(*) FROM (
        SELECT e.aggregate_id, max(e.sequence) AS seq
          FROM events e
         WHERE e.aggregate_type = 'Lease'
           AND e.aggregate_id IN (
               SELECT aggregate_id FROM events
                WHERE aggregate_type = 'Lease'
                  AND recorded_at > now() - interval '10 minutes'
                  AND metadata ->> 'actor' = $1)
         GROUP BY e.aggregate_id) mine
      LEFT JOIN leases l ON l.lease_id = mine.aggregate_id
     WHERE l.last_sequence IS NULL OR l.last_sequence < mine.seq";

/// Lease `$1` if its read-model row lags its events.
const LAGGING_LEASE: &str = "
    SELECT count(*) FROM (
        SELECT max(sequence) AS seq FROM events
         WHERE aggregate_type = 'Lease' AND aggregate_id = $1) mine
      LEFT JOIN leases l ON l.lease_id = $1
     WHERE mine.seq IS NOT NULL AND (l.last_sequence IS NULL OR l.last_sequence < mine.seq)";

/// Waits (at most [`MAX_WAIT`]) until the leases `actor` changed lately are projected.
pub(crate) async fn own_leases(pool: &PgPool, actor: &str) {
    wait_until_none(pool, LAGGING_FOR_ACTOR, actor).await;
}

/// Waits (at most [`MAX_WAIT`]) until lease `lease_id` is projected up to its last event.
pub(crate) async fn lease(pool: &PgPool, lease_id: &str) {
    wait_until_none(pool, LAGGING_LEASE, lease_id).await;
}

async fn wait_until_none(pool: &PgPool, sql: &str, bind: &str) {
    let deadline = tokio::time::Instant::now() + MAX_WAIT;
    loop {
        match sqlx::query_scalar::<_, i64>(sql)
            .bind(bind)
            .fetch_one(pool)
            .await
        {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) => {
                // Freshness is a courtesy: the query still answers from what is there.
                tracing::warn!(error = %e, "read-your-writes check failed");
                return;
            }
        }
        if tokio::time::Instant::now() >= deadline {
            return;
        }
        tokio::time::sleep(STEP).await;
    }
}
