//! Rebuilding every read model from the event store.

use anyhow::Context;
use serde_json::Value;
use sqlx::PgPool;

use crate::apply::apply_decoded;
use crate::decode::Decoded;
use crate::sql;

/// Events read and applied per transaction during a rebuild.
const REBUILD_BATCH: i64 = 10_000;

/// Empties the read models and re-applies every event of the `events` table in
/// `global_position` order, one transaction per batch. Returns how many events were read.
///
/// A projector may keep running meanwhile: rows only move forward by sequence, and a row
/// the projector touches after the truncation is re-folded from the log, so both converge
/// on the log. Readers see partly rebuilt tables until it finishes. Undecodable stored
/// events are logged and skipped rather than blocking the rebuild.
pub async fn rebuild(pool: &PgPool) -> anyhow::Result<u64> {
    let mut conn = pool
        .acquire()
        .await
        .context("acquire a connection for rebuild")?;
    sql::truncate(&mut conn)
        .await
        .context("truncate read models")?;
    let mut after = i64::MIN;
    let mut total: u64 = 0;
    loop {
        let mut tx = pool.begin().await.context("begin rebuild batch")?;
        let rows: Vec<(i64, String, String, i64, String, Value)> = sqlx::query_as(
            "SELECT global_position, aggregate_type, aggregate_id, sequence, event_type, payload
               FROM events WHERE global_position > $1 ORDER BY global_position LIMIT $2",
        )
        .bind(after)
        .bind(REBUILD_BATCH)
        .fetch_all(&mut *tx)
        .await
        .context("read events")?;
        let Some(last) = rows.last() else {
            tx.commit().await.context("commit rebuild")?;
            return Ok(total);
        };
        after = last.0;
        let mut batch = Decoded::default();
        for (position, aggregate_type, aggregate_id, sequence, event_type, payload) in &rows {
            if let Err(e) = batch.push(aggregate_type, aggregate_id, *sequence, event_type, payload)
            {
                tracing::warn!(global_position = position, error = %e,
                    "stored event cannot be decoded; skipped by rebuild");
            }
        }
        apply_decoded(&mut tx, batch)
            .await
            .context("apply events during rebuild")?;
        tx.commit().await.context("commit rebuild batch")?;
        total += rows.len() as u64;
    }
}
