//! Reading and marking outbox rows.

use chrono::{DateTime, Utc};
use leasehold_bus::EventMessage;
use sqlx::{PgExecutor, Row};

/// One unpublished event.
#[derive(Clone, Debug)]
pub struct OutboxRow {
    /// Outbox id (commit-independent; only used to mark the row).
    pub id: i64,
    /// The event as it will be published.
    pub message: EventMessage,
}

/// The oldest `limit` unpublished rows, in id order.
pub async fn fetch_unpublished<'e>(
    db: impl PgExecutor<'e>,
    limit: i64,
) -> Result<Vec<OutboxRow>, sqlx::Error> {
    fetch_unpublished_except(db, limit, &[]).await
}

/// The oldest `limit` unpublished rows other than `except` (rows sent and awaiting their
/// acks), in id order.
pub async fn fetch_unpublished_except<'e>(
    db: impl PgExecutor<'e>,
    limit: i64,
    except: &[i64],
) -> Result<Vec<OutboxRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, global_position, aggregate_type, aggregate_id, sequence, event_type,
                event_version, payload, metadata, recorded_at
           FROM outbox WHERE published_at IS NULL AND id <> ALL($2) ORDER BY id LIMIT $1",
    )
    .bind(limit)
    .bind(except)
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|row| {
            Ok(OutboxRow {
                id: row.try_get("id")?,
                message: EventMessage {
                    v: 1,
                    aggregate_type: row.try_get("aggregate_type")?,
                    aggregate_id: row.try_get("aggregate_id")?,
                    sequence: row.try_get("sequence")?,
                    event_type: row.try_get("event_type")?,
                    event_version: row.try_get("event_version")?,
                    payload: row.try_get("payload")?,
                    metadata: row.try_get("metadata")?,
                    recorded_at: row.try_get::<DateTime<Utc>, _>("recorded_at")?,
                    global_position: row.try_get("global_position")?,
                },
            })
        })
        .collect()
}

/// Marks rows as published.
pub async fn mark_published<'e>(db: impl PgExecutor<'e>, ids: &[i64]) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("UPDATE outbox SET published_at = now() WHERE id = ANY($1)")
        .bind(ids)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}
