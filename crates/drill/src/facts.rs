//! What the event store says happened to each lease, and the waits for the end of a run:
//! every lease settled, the projection caught up.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// One lease, folded from its events.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LeaseFacts {
    /// Lease id.
    pub lease_id: String,
    /// Entra user.
    pub upn: Option<String>,
    /// `requested_by` of `LeaseRequested`.
    pub requested_by: Option<String>,
    /// `request_id` of `LeaseRequested`.
    pub request_id: Option<String>,
    /// Has `LeaseActivated`.
    pub activated: bool,
    /// Has `LeaseRevocationRequested`.
    pub revoking: bool,
    /// Has `LeaseRevoked`.
    pub revoked: bool,
    /// Has `LeaseActivationFailed`.
    pub failed: bool,
    /// The expiry after the last renewal.
    pub expires_at: Option<DateTime<Utc>>,
    /// `LeaseRevoked.revoked_at`.
    pub revoked_at: Option<DateTime<Utc>>,
    /// `LeaseRevoked.reason`.
    pub reason: Option<String>,
}

impl LeaseFacts {
    /// `active`, `requested`, `revoking`, `revoked` or `activation_failed`.
    pub fn status(&self) -> &'static str {
        match (self.revoked, self.failed, self.revoking, self.activated) {
            (true, _, _, _) => "revoked",
            (_, true, _, _) => "activation_failed",
            (_, _, true, _) => "revoking",
            (_, _, _, true) => "active",
            _ => "requested",
        }
    }
}

const FACTS: &str = "
SELECT aggregate_id AS lease_id,
  max(CASE WHEN event_type = 'LeaseRequested'
      THEN payload -> 'LeaseRequested' ->> 'user_principal_name' END) AS upn,
  max(CASE WHEN event_type = 'LeaseRequested'
      THEN payload -> 'LeaseRequested' ->> 'requested_by' END) AS requested_by,
  max(CASE WHEN event_type = 'LeaseRequested'
      THEN payload -> 'LeaseRequested' ->> 'request_id' END) AS request_id,
  bool_or(event_type = 'LeaseActivated') AS activated,
  bool_or(event_type = 'LeaseRevocationRequested') AS revoking,
  bool_or(event_type = 'LeaseRevoked') AS revoked,
  bool_or(event_type = 'LeaseActivationFailed') AS failed,
  (array_agg((payload -> event_type ->> 'expires_at')::timestamptz ORDER BY sequence DESC)
     FILTER (WHERE event_type IN ('LeaseRequested', 'LeaseRenewed')))[1] AS expires_at,
  max(CASE WHEN event_type = 'LeaseRevoked'
      THEN (payload -> 'LeaseRevoked' ->> 'revoked_at')::timestamptz END) AS revoked_at,
  max(CASE WHEN event_type = 'LeaseRevoked'
      THEN payload -> 'LeaseRevoked' ->> 'reason' END) AS reason
FROM events WHERE aggregate_type = 'Lease' GROUP BY aggregate_id";

/// Every lease in the event store, by id.
pub async fn load(pool: &PgPool) -> anyhow::Result<HashMap<String, LeaseFacts>> {
    let rows: Vec<LeaseFacts> = sqlx::query_as(FACTS).fetch_all(pool).await?;
    Ok(rows.into_iter().map(|f| (f.lease_id.clone(), f)).collect())
}

/// Leases still in flight: requested, revoking, active past their expiry, or active
/// though the requester did not mean it to outlive the run (not in `live`).
pub async fn unsettled(
    pool: &PgPool,
    live: &HashSet<String>,
) -> anyhow::Result<Vec<(String, &'static str)>> {
    let now = Utc::now();
    let facts = load(pool).await?;
    let mut out: Vec<(String, &'static str)> = facts
        .values()
        .filter_map(|f| match f.status() {
            s @ ("requested" | "revoking") => Some((f.lease_id.clone(), s)),
            "active" if f.expires_at.is_some_and(|e| e < now) => {
                Some((f.lease_id.clone(), "active past expiry"))
            }
            "active" if !live.contains(&f.lease_id) => Some((f.lease_id.clone(), "active")),
            _ => None,
        })
        .collect();
    out.sort();
    Ok(out)
}

/// Waits until no lease is in flight; returns the ones still in flight at the deadline.
pub async fn wait_settled(
    pool: &PgPool,
    live: &HashSet<String>,
    within: Duration,
) -> anyhow::Result<Vec<(String, &'static str)>> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let open = match unsettled(pool, live).await {
            Ok(open) => open,
            // The database may still be coming back (restart drill): try again.
            Err(_) => vec![(String::from("?"), "database unreachable")],
        };
        if open.is_empty() || tokio::time::Instant::now() >= deadline {
            return Ok(open);
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// (sum of `last_sequence` over the read models, events of their aggregates).
pub async fn projection_lag(pool: &PgPool) -> anyhow::Result<(i64, i64)> {
    let row: (i64, i64) = sqlx::query_as(
        "SELECT ((SELECT coalesce(sum(last_sequence), 0) FROM connections)
               + (SELECT coalesce(sum(last_sequence), 0) FROM dynamic_secrets)
               + (SELECT coalesce(sum(last_sequence), 0) FROM leases))::bigint,
                (SELECT count(*) FROM events
                  WHERE aggregate_type IN ('Connection', 'DynamicSecret', 'Lease'))",
    )
    .fetch_one(pool)
    .await?;
    Ok(row)
}

/// Waits until the read models have folded every event; returns the last (folded, total).
pub async fn wait_projected(pool: &PgPool, within: Duration) -> (i64, i64) {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let lag = projection_lag(pool).await.unwrap_or((-1, -1));
        if (lag.0 == lag.1 && lag.1 >= 0) || tokio::time::Instant::now() >= deadline {
            return lag;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
