//! The few statements the apply engine needs, batched: rows are read as JSON and written
//! as typed column arrays, so a batch of thousands of events costs a handful of round trips.

use std::collections::HashMap;

use serde_json::Value;
use sqlx::PgConnection;

use crate::fold::ReadModel;

/// The current rows of `ids` (ids without a row are absent from the map).
pub(crate) async fn load_rows<M: ReadModel>(
    conn: &mut PgConnection,
    ids: &[String],
) -> Result<HashMap<String, M>, sqlx::Error> {
    let sql = format!(
        "SELECT to_jsonb(t) FROM {table} t WHERE {key} = ANY($1)",
        table = M::TABLE,
        key = M::KEY
    );
    let rows: Vec<Value> = sqlx::query_scalar(&sql).bind(ids).fetch_all(conn).await?;
    rows.into_iter()
        .map(|json| {
            let row: M = serde_json::from_value(json).map_err(|e| sqlx::Error::Decode(e.into()))?;
            Ok((row.key().to_string(), row))
        })
        .collect()
}

/// Writes `rows`, each only if it is newer than the stored one: two projectors sharing
/// the consumer can never move a row back to an older sequence.
pub(crate) async fn upsert<M: ReadModel>(
    conn: &mut PgConnection,
    rows: &[&M],
) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = M::COLUMNS.iter().map(|(name, _)| *name).collect();
    let arrays: Vec<String> = M::COLUMNS
        .iter()
        .enumerate()
        .map(|(i, (_, ty))| format!("${}::{ty}[]", i + 1))
        .collect();
    let excluded: Vec<String> = names.iter().map(|c| format!("EXCLUDED.{c}")).collect();
    let sql = format!(
        "INSERT INTO {table} ({columns})
         SELECT * FROM UNNEST({arrays})
         ON CONFLICT ({key}) DO UPDATE SET ({columns}) = ROW({excluded})
         WHERE {table}.last_sequence < EXCLUDED.last_sequence",
        table = M::TABLE,
        key = M::KEY,
        columns = names.join(", "),
        arrays = arrays.join(", "),
        excluded = excluded.join(", "),
    );
    M::bind(rows, sqlx::query(&sql)).execute(conn).await?;
    Ok(())
}

/// Every stored event of one aggregate, oldest first: `(sequence, event_type, payload)`.
pub(crate) async fn stored_events<M: ReadModel>(
    conn: &mut PgConnection,
    id: &str,
) -> Result<Vec<(i64, String, Value)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT sequence, event_type, payload FROM events
          WHERE aggregate_type = $1 AND aggregate_id = $2 ORDER BY sequence",
    )
    .bind(M::AGGREGATE)
    .bind(id)
    .fetch_all(conn)
    .await
}

/// Re-derives the `lease_activity` intervals of `lease_ids` from their `leases` rows:
/// a credential works from `activated_at` until `revoked_at`.
pub(crate) async fn refresh_activity(
    conn: &mut PgConnection,
    lease_ids: &[String],
) -> Result<(), sqlx::Error> {
    if lease_ids.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO lease_activity (lease_id, secret, user_principal_name, valid_from,
                                     valid_to, forced, requested_by, request_id)
         SELECT lease_id, secret, user_principal_name, activated_at, revoked_at, forced,
                requested_by, request_id
           FROM leases WHERE lease_id = ANY($1) AND activated_at IS NOT NULL
         ON CONFLICT (lease_id, valid_from)
         DO UPDATE SET valid_to = EXCLUDED.valid_to, forced = EXCLUDED.forced",
    )
    .bind(lease_ids)
    .execute(conn)
    .await?;
    Ok(())
}

/// Empties every read model (the first step of a rebuild).
pub(crate) async fn truncate(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query("TRUNCATE connections, dynamic_secrets, leases, lease_activity")
        .execute(conn)
        .await?;
    Ok(())
}
