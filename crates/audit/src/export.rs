//! `export`: the event log for a time window, page by page, for a SIEM or an archive.
//!
//! Events come in `global_position` order with their chain hashes, so an exported copy
//! anchors the store: if the hashes in the store ever differ from an earlier export, the
//! history was rewritten (see docs/audit.md). Sealed values are redacted.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use sqlx::PgPool;

use crate::canonical::hex;
use crate::redact::redact;
use crate::stored::{StoredEvent, COLUMNS};
use crate::AuditError;

/// Page size when the caller names none.
pub const DEFAULT_EXPORT_LIMIT: u32 = 1000;
/// Largest page size.
pub const MAX_EXPORT_LIMIT: u32 = 10_000;

/// One exported event.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExportedEvent {
    /// Position in the whole store; the paging cursor.
    pub global_position: i64,
    /// `Connection`, `DynamicSecret` or `Lease`.
    pub aggregate_type: String,
    /// The aggregate's id.
    pub aggregate_id: String,
    /// Position within the aggregate.
    pub sequence: i64,
    /// What happened.
    pub event_type: String,
    /// Payload schema version.
    pub event_version: String,
    /// The tagged domain event with every sealed value replaced by `"[sealed]"`.
    pub payload: Value,
    /// Actor, request id and command time.
    pub metadata: Value,
    /// When Postgres recorded it.
    pub recorded_at: DateTime<Utc>,
    /// Hex hash of the previous event of the aggregate (`None` for the first).
    pub prev_hash: Option<String>,
    /// Hex chain hash of this event.
    pub hash: Option<String>,
}

impl From<StoredEvent> for ExportedEvent {
    fn from(event: StoredEvent) -> Self {
        ExportedEvent {
            payload: redact(event.payload_json()),
            metadata: event.metadata_json(),
            prev_hash: event.prev_hash.as_deref().map(hex),
            hash: event.hash.as_deref().map(hex),
            global_position: event.global_position,
            aggregate_type: event.aggregate_type,
            aggregate_id: event.aggregate_id,
            sequence: event.sequence,
            event_type: event.event_type,
            event_version: event.event_version,
            recorded_at: event.recorded_at,
        }
    }
}

/// A page of an export.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Page {
    /// Events in `global_position` order.
    pub items: Vec<ExportedEvent>,
    /// Pass as `after` for the next page; `None` when the window is exhausted.
    pub next: Option<i64>,
}

/// Up to `limit` (1..=[`MAX_EXPORT_LIMIT`]) events recorded in `[from, to)` after global
/// position `after`. Export windows that end in the past: a transaction still open at
/// `to` may commit an event with a smaller position than one already exported.
pub async fn export(
    pool: &PgPool,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    after: Option<i64>,
    limit: u32,
) -> Result<Page, AuditError> {
    if !(1..=MAX_EXPORT_LIMIT).contains(&limit) {
        return Err(AuditError::Invalid(format!(
            "limit must be between 1 and {MAX_EXPORT_LIMIT}, got {limit}"
        )));
    }
    if to < from {
        return Err(AuditError::Invalid(format!(
            "the window ends ({to}) before it starts ({from})"
        )));
    }
    let sql = format!(
        "SELECT {COLUMNS} FROM events
          WHERE recorded_at >= $1 AND recorded_at < $2 AND global_position > $3
          ORDER BY global_position LIMIT $4"
    );
    let events: Vec<StoredEvent> = sqlx::query_as(&sql)
        .bind(from)
        .bind(to)
        .bind(after.unwrap_or(i64::MIN))
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await?;
    let full = events.len() == usize::try_from(limit).unwrap_or(usize::MAX);
    let next = events.last().filter(|_| full).map(|e| e.global_position);
    Ok(Page {
        items: events.into_iter().map(ExportedEvent::from).collect(),
        next,
    })
}
