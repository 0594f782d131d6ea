//! `export`: the event log for a time window, page by page, for a SIEM or an archive.
//!
//! Events come in `global_position` order with their chain hashes, so an exported copy
//! anchors the store: if the hashes in the store ever differ from an earlier export, the
//! history was rewritten (see docs/audit.md). Sealed values are redacted.

use chrono::{DateTime, Utc};
use leasehold_api::{ExportPage, ExportedEvent};
use sqlx::PgPool;

use crate::canonical::hex;
use crate::redact::redact;
use crate::stored::{StoredEvent, COLUMNS};
use crate::AuditError;

/// Page size when the caller names none.
pub const DEFAULT_EXPORT_LIMIT: u32 = 1000;
/// Largest page size.
pub const MAX_EXPORT_LIMIT: u32 = 10_000;

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

/// Up to `limit` (1..=[`MAX_EXPORT_LIMIT`]) events recorded in `[from, to)` after global
/// position `after`. Export windows that end in the past: a transaction still open at
/// `to` may commit an event with a smaller position than one already exported.
pub async fn export(
    pool: &PgPool,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    after: Option<i64>,
    limit: u32,
) -> Result<ExportPage, AuditError> {
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
    Ok(ExportPage {
        items: events.into_iter().map(ExportedEvent::from).collect(),
        next,
    })
}
