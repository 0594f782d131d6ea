//! `lease_deadlines`: one row per requested or active lease with its expiry, claimed by
//! schedulers with `FOR UPDATE SKIP LOCKED`.

use chrono::{DateTime, Utc};
use leasehold_domain::LeaseId;
use sqlx::postgres::PgListener;

use super::Store;

/// The channel a trigger notifies when a lease gets a deadline.
const DEADLINES_CHANNEL: &str = "leasehold_deadlines";

impl Store {
    /// The database's `now()`, or `limit` when that is earlier.
    pub async fn now_at_most(
        &self,
        limit: Option<DateTime<Utc>>,
    ) -> Result<DateTime<Utc>, sqlx::Error> {
        sqlx::query_scalar("SELECT LEAST(COALESCE($1, now()), now())")
            .bind(limit)
            .fetch_one(&self.pool)
            .await
    }

    /// Every live (requested or active) lease, oldest first: the candidates of a bulk
    /// revocation. A stored id that does not parse is skipped and logged.
    pub async fn live_lease_ids(&self) -> Result<Vec<LeaseId>, sqlx::Error> {
        let ids: Vec<String> =
            sqlx::query_scalar("SELECT lease_id FROM lease_deadlines ORDER BY lease_id")
                .fetch_all(&self.pool)
                .await?;
        Ok(ids
            .iter()
            .filter_map(|id| match LeaseId::parse(id) {
                Ok(id) => Some(id),
                Err(e) => {
                    tracing::error!(lease = %id, error = %e, "a deadline names no lease id");
                    None
                }
            })
            .collect())
    }

    /// Claims up to `batch` deadlines due at `now` until `claim_until`, earliest first.
    /// A stored id that does not parse is logged and left claimed (it cannot be expired).
    pub async fn claim_due_deadlines(
        &self,
        now: DateTime<Utc>,
        claim_until: DateTime<Utc>,
        batch: i64,
    ) -> Result<Vec<LeaseId>, sqlx::Error> {
        let due: Vec<String> = sqlx::query_scalar(
            "UPDATE lease_deadlines SET claimed_until = $2
              WHERE lease_id IN (
                    SELECT lease_id FROM lease_deadlines
                     WHERE expires_at <= $1 AND (claimed_until IS NULL OR claimed_until < $1)
                     ORDER BY expires_at LIMIT $3
                     FOR UPDATE SKIP LOCKED)
             RETURNING lease_id",
        )
        .bind(now)
        .bind(claim_until)
        .bind(batch)
        .fetch_all(&self.pool)
        .await?;
        Ok(due
            .iter()
            .filter_map(|id| match LeaseId::parse(id) {
                Ok(lease_id) => Some(lease_id),
                Err(_) => {
                    tracing::error!(lease = %id, "deadline for an unparsable lease id");
                    None
                }
            })
            .collect())
    }

    /// The earliest moment a deadline may become due (a claimed one counts from when its
    /// claim lapses), if any lease has one.
    pub async fn next_deadline(&self) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
        sqlx::query_scalar(
            "SELECT min(GREATEST(expires_at, COALESCE(claimed_until, expires_at)))
               FROM lease_deadlines",
        )
        .fetch_one(&self.pool)
        .await
    }

    /// A listener woken whenever a lease gets a new deadline.
    pub async fn listen_deadlines(&self) -> Result<PgListener, sqlx::Error> {
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.listen(DEADLINES_CHANNEL).await?;
        Ok(listener)
    }
}
