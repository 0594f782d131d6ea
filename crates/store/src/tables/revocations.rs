//! `revocation_attempts`: one row per lease whose credential still has to be made useless,
//! written by a trigger in the same transaction as `LeaseRevocationRequested` (or a forced
//! `LeaseRevoked`) and rescheduled by every recorded failure. Workers claim due rows; every
//! time comparison uses the database's `now()`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use leasehold_domain::{FailureInfo, FoldedFailures, LeaseId, THROTTLED_KIND};
use sqlx::postgres::PgListener;

use super::Store;

/// The channel a trigger notifies (payload: the connection) when a revocation becomes due
/// now.
const REVOCATIONS_CHANNEL: &str = "leasehold_revocations";

/// Claims due rows: at most `$2` per connection counting the ones the worker already holds
/// (`$3` connections, `$6` attempts running on each), so one connection whose every call
/// fails (a revoked client secret) cannot take every slot. The claim conditions are repeated
/// on the locked row because the ranking reads a snapshot taken before the lock.
const CLAIM_SQL: &str = "
WITH held AS (
    SELECT connection, n FROM unnest($3::text[], $6::bigint[]) AS h(connection, n)
), ranked AS (
    SELECT a.lease_id, row_number() OVER (PARTITION BY a.connection ORDER BY a.due_at)
               + COALESCE(held.n, 0) AS rank
      FROM revocation_attempts a LEFT JOIN held USING (connection)
     WHERE a.due_at <= now() AND (a.claimed_until IS NULL OR a.claimed_until <= now())
       AND COALESCE(held.n, 0) < $2
), picked AS (
    SELECT r.lease_id
      FROM revocation_attempts r JOIN ranked USING (lease_id)
     WHERE ranked.rank <= $2
       AND r.due_at <= now() AND (r.claimed_until IS NULL OR r.claimed_until <= now())
     ORDER BY r.due_at
     LIMIT $1
       FOR UPDATE OF r SKIP LOCKED
)
UPDATE revocation_attempts a
   SET claimed_until = now() + make_interval(secs => $4::float8 / 1000.0),
       claim_token = $5
  FROM picked
 WHERE a.lease_id = picked.lease_id
RETURNING a.lease_id, a.connection, a.attempt, a.last_error_kind, a.folded,
          a.folded_throttled, a.folded_error, a.folded_at, a.forced";

/// One claimed revocation.
#[derive(Clone, Debug)]
pub struct RevocationClaim {
    /// The lease to revoke.
    pub lease_id: LeaseId,
    /// Its connection (fairness key).
    pub connection: String,
    /// Attempts so far, folded ones included.
    pub attempt: u32,
    /// Kind of the last recorded failure.
    pub last_error_kind: Option<String>,
    /// Failures since the last recorded one, not yet written as an event.
    pub folded: Option<FoldedFailures>,
    /// True when the lease was force-revoked and only the scramble is left.
    pub forced: bool,
    /// Identifies this claim, so a worker whose claim lapsed cannot touch the row.
    pub token: String,
}

type ClaimRow = (
    String,
    String,
    i32,
    Option<String>,
    i32,
    i32,
    Option<String>,
    Option<DateTime<Utc>>,
    bool,
);

fn count(n: i32) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl Store {
    /// Claims up to `max` due revocations for `claim_for`, at most `per_connection` per
    /// connection counting the `held` ones (connection, attempts this worker runs on it).
    /// A row whose lease id does not parse is logged and deleted (nothing can revoke it).
    pub async fn claim_revocations(
        &self,
        max: usize,
        per_connection: usize,
        held: &[(String, usize)],
        claim_for: Duration,
    ) -> Result<Vec<RevocationClaim>, sqlx::Error> {
        if max == 0 {
            return Ok(Vec::new());
        }
        let token = uuid::Uuid::new_v4().to_string();
        let (names, counts): (Vec<&str>, Vec<i64>) = held
            .iter()
            .map(|(c, n)| (c.as_str(), i64::try_from(*n).unwrap_or(i64::MAX)))
            .unzip();
        let rows: Vec<ClaimRow> = sqlx::query_as(CLAIM_SQL)
            .bind(i64::try_from(max).unwrap_or(i64::MAX))
            .bind(i64::try_from(per_connection.max(1)).unwrap_or(i64::MAX))
            .bind(names)
            .bind(millis(claim_for))
            .bind(&token)
            .bind(counts)
            .fetch_all(&self.pool)
            .await?;
        let mut claims = Vec::with_capacity(rows.len());
        for (id, connection, attempt, kind, folded, throttled, error, at, forced) in rows {
            let Ok(lease_id) = LeaseId::parse(&id) else {
                tracing::error!(lease = %id, "revocation row for an unparsable lease id; dropping it");
                self.delete_revocation_row(&id).await?;
                continue;
            };
            let folded = match (error, at) {
                (Some(error), Some(last_at)) if folded > 0 => {
                    serde_json::from_str::<FailureInfo>(&error)
                        .ok()
                        .map(|error| FoldedFailures {
                            error,
                            count: count(folded),
                            throttled: count(throttled),
                            last_at,
                        })
                }
                _ => None,
            };
            claims.push(RevocationClaim {
                lease_id,
                connection,
                attempt: count(attempt),
                last_error_kind: kind,
                folded,
                forced,
                token: token.clone(),
            });
        }
        Ok(claims)
    }

    /// A listener woken (payload: the connection) whenever a revocation becomes due now.
    pub async fn listen_revocations(&self) -> Result<PgListener, sqlx::Error> {
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.listen(REVOCATIONS_CHANNEL).await?;
        Ok(listener)
    }

    /// How long until the earliest revocation not on a connection in `busy` may be
    /// claimed (a claimed row counts from when its claim lapses), by the database's
    /// clock; `None` when there is none.
    pub async fn next_revocation_due(
        &self,
        busy: &[String],
    ) -> Result<Option<Duration>, sqlx::Error> {
        let millis: Option<f64> = sqlx::query_scalar(
            "SELECT GREATEST(0, EXTRACT(EPOCH FROM
                        min(GREATEST(due_at, COALESCE(claimed_until, due_at))) - now()) * 1000)
               FROM revocation_attempts
              WHERE connection <> ALL($1)",
        )
        .bind(busy)
        .fetch_one(&self.pool)
        .await?;
        Ok(millis.map(|ms| Duration::from_millis(ms as u64)))
    }

    /// Unforced revocations not yet confirmed (due, claimed or backing off), per connection.
    pub async fn revocation_backlog(&self) -> Result<Vec<(String, i64)>, sqlx::Error> {
        sqlx::query_as(
            "SELECT connection, count(*) FROM revocation_attempts
              WHERE NOT forced GROUP BY connection",
        )
        .fetch_all(&self.pool)
        .await
    }

    /// Keeps `claim` for another `claim_for` while its attempt runs.
    pub async fn extend_revocation_claim(
        &self,
        claim: &RevocationClaim,
        claim_for: Duration,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE revocation_attempts
                SET claimed_until = now() + make_interval(secs => $3::float8 / 1000.0)
              WHERE lease_id = $1 AND claim_token = $2",
        )
        .bind(claim.lease_id.to_string())
        .bind(&claim.token)
        .bind(millis(claim_for))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Counts a failed attempt without an event (folded into the next one) and schedules
    /// the next attempt `delay` from the database's now.
    pub async fn fold_revocation_failure(
        &self,
        claim: &RevocationClaim,
        error: &FailureInfo,
        at: DateTime<Utc>,
        delay: Duration,
    ) -> Result<(), sqlx::Error> {
        let throttled = i32::from(error.kind == THROTTLED_KIND);
        let error = serde_json::to_string(error).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        sqlx::query(
            "UPDATE revocation_attempts
                SET attempt = attempt + 1, folded = folded + 1,
                    folded_throttled = folded_throttled + $3,
                    folded_error = $4, folded_at = $5,
                    due_at = now() + make_interval(secs => $6::float8 / 1000.0),
                    claimed_until = NULL, claim_token = NULL
              WHERE lease_id = $1 AND claim_token = $2",
        )
        .bind(claim.lease_id.to_string())
        .bind(&claim.token)
        .bind(throttled)
        .bind(error)
        .bind(at)
        .bind(millis(delay))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Gives the claim back, due again after `delay`.
    pub async fn release_revocation_claim(
        &self,
        claim: &RevocationClaim,
        delay: Duration,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE revocation_attempts
                SET due_at = now() + make_interval(secs => $3::float8 / 1000.0),
                    claimed_until = NULL, claim_token = NULL
              WHERE lease_id = $1 AND claim_token = $2",
        )
        .bind(claim.lease_id.to_string())
        .bind(&claim.token)
        .bind(millis(delay))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Removes the row of a lease with nothing left to revoke.
    pub async fn forget_revocation(&self, lease_id: &LeaseId) -> Result<(), sqlx::Error> {
        self.delete_revocation_row(&lease_id.to_string()).await
    }

    async fn delete_revocation_row(&self, lease_id: &str) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM revocation_attempts WHERE lease_id = $1")
            .bind(lease_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
