//! `history`: every event of one lease or one dynamic secret, with who did it and when,
//! read straight from the event store (never from the eventually consistent read models).

use chrono::{DateTime, Utc};
use leasehold_api::{HistoryEntry, HistoryPage};
use leasehold_domain::{LeaseId, SecretName};
use serde_json::Value;
use sqlx::PgPool;

use crate::canonical::hex;
use crate::redact::redact;
use crate::stored::{StoredEvent, COLUMNS};
use crate::AuditError;

/// Whose history to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HistoryTarget {
    /// One lease: requested, activated, renewed, failures, revocation.
    Lease(LeaseId),
    /// One dynamic secret's own events (created, updated, leases reserved and released,
    /// deleted); the leases' own stories are their histories.
    Secret(SecretName),
}

impl HistoryTarget {
    /// `(aggregate_type, aggregate_id)` of the target.
    pub fn aggregate(&self) -> (&'static str, String) {
        match self {
            HistoryTarget::Lease(id) => ("Lease", id.to_string()),
            HistoryTarget::Secret(name) => ("DynamicSecret", name.to_string()),
        }
    }
}

impl From<StoredEvent> for HistoryEntry {
    fn from(event: StoredEvent) -> Self {
        let metadata = event.metadata_json();
        let text = |key: &str| metadata.get(key).and_then(Value::as_str).map(String::from);
        let at = text("at")
            .and_then(|at| DateTime::parse_from_rfc3339(&at).ok())
            .map(|at| at.with_timezone(&Utc));
        HistoryEntry {
            sequence: event.sequence,
            changes: redact(event.body()),
            hash: event.hash.as_deref().map(hex),
            actor: text("actor"),
            via: text("via"),
            request_id: text("request_id"),
            at,
            event_type: event.event_type,
            recorded_at: event.recorded_at,
        }
    }
}

/// Every event of `target`, oldest first; empty when it never existed.
pub async fn history(
    pool: &PgPool,
    target: &HistoryTarget,
) -> Result<Vec<HistoryEntry>, AuditError> {
    let (aggregate_type, aggregate_id) = target.aggregate();
    let sql = format!(
        "SELECT {COLUMNS} FROM events
          WHERE aggregate_type = $1 AND aggregate_id = $2 ORDER BY sequence"
    );
    let events: Vec<StoredEvent> = sqlx::query_as(&sql)
        .bind(aggregate_type)
        .bind(aggregate_id)
        .fetch_all(pool)
        .await?;
    Ok(events.into_iter().map(HistoryEntry::from).collect())
}

/// Up to `limit` events of `target` after sequence `after`, oldest first: a long-lived
/// secret gathers two events per lease, too many for one reply.
pub async fn history_page(
    pool: &PgPool,
    target: &HistoryTarget,
    after: Option<i64>,
    limit: u32,
) -> Result<HistoryPage, AuditError> {
    if limit == 0 {
        return Err(AuditError::Invalid("limit must be at least 1".into()));
    }
    let (aggregate_type, aggregate_id) = target.aggregate();
    let sql = format!(
        "SELECT {COLUMNS} FROM events
          WHERE aggregate_type = $1 AND aggregate_id = $2 AND sequence > $3
          ORDER BY sequence LIMIT $4"
    );
    let events: Vec<StoredEvent> = sqlx::query_as(&sql)
        .bind(aggregate_type)
        .bind(aggregate_id)
        .bind(after.unwrap_or(i64::MIN))
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await?;
    let full = events.len() == usize::try_from(limit).unwrap_or(usize::MAX);
    let next = events.last().filter(|_| full).map(|e| e.sequence);
    Ok(HistoryPage {
        items: events.into_iter().map(HistoryEntry::from).collect(),
        next,
    })
}

/// The secret a lease was issued on, from its `LeaseRequested` event (for authorising a
/// lease's history by secret); `None` for an unknown lease.
pub async fn lease_secret(pool: &PgPool, lease_id: &LeaseId) -> Result<Option<String>, AuditError> {
    let secret: Option<Option<String>> = sqlx::query_scalar(
        "SELECT payload -> 'LeaseRequested' ->> 'secret' FROM events
          WHERE aggregate_type = 'Lease' AND aggregate_id = $1 AND event_type = 'LeaseRequested'
          ORDER BY sequence LIMIT 1",
    )
    .bind(lease_id.to_string())
    .fetch_optional(pool)
    .await?;
    Ok(secret.flatten())
}
