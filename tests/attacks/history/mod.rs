//! What an attacker with write access to the database does to history, as SQL.
#![allow(dead_code)]

use sqlx::PgPool;

/// The object id a secret was created for.
pub async fn object_id(pool: &PgPool, secret: &str) -> String {
    sqlx::query_scalar(
        "SELECT payload -> 'SecretCreated' ->> 'user_object_id' FROM events
          WHERE aggregate_type = 'DynamicSecret' AND aggregate_id = $1 AND sequence = 1",
    )
    .bind(secret)
    .fetch_one(pool)
    .await
    .expect("secret created")
}

/// Writes a `snapshots` row for `secret` at its last event, with `payload`: what someone
/// holding the engine's (or any) write access to `snapshots` can do. Where the schema has
/// them, the chain hash is copied from the real event (readable by the same role) and the
/// MAC made up, as the attacker has no key.
pub async fn plant_snapshot(pool: &PgPool, secret: &str, payload: &str) {
    let last: i64 = sqlx::query_scalar(
        "SELECT max(sequence) FROM events
          WHERE aggregate_type = 'DynamicSecret' AND aggregate_id = $1",
    )
    .bind(secret)
    .fetch_one(pool)
    .await
    .expect("last sequence");
    sqlx::query(
        "DELETE FROM snapshots WHERE aggregate_type = 'DynamicSecret' AND aggregate_id = $1",
    )
    .bind(secret)
    .execute(pool)
    .await
    .expect("clear snapshots");
    sqlx::query(
        "INSERT INTO snapshots (aggregate_type, aggregate_id, last_sequence, current_snapshot, payload)
         VALUES ('DynamicSecret', $1, $2, 1, $3::json)",
    )
    .bind(secret)
    .bind(last)
    .bind(payload)
    .execute(pool)
    .await
    .expect("plant snapshot");
    let authenticated: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM information_schema.columns
                         WHERE table_name = 'snapshots' AND column_name = 'mac')",
    )
    .fetch_one(pool)
    .await
    .expect("columns");
    if authenticated {
        sqlx::query(
            "UPDATE snapshots s SET chain_hash = e.hash, mac = sha256(convert_to(s.payload::text, 'UTF8'))
               FROM events e
              WHERE s.aggregate_type = 'DynamicSecret' AND s.aggregate_id = $1
                AND e.aggregate_type = s.aggregate_type AND e.aggregate_id = s.aggregate_id
                AND e.sequence = s.last_sequence",
        )
        .bind(secret)
        .execute(pool)
        .await
        .expect("copy chain hash");
    }
}

/// Erases a lease: its events, its chain head, its read-model rows, and (as the database
/// owner could) its entries in the global log, whose later running hashes are recomputed
/// so the log itself looks intact.
pub async fn erase_lease(pool: &PgPool, lease_id: &str) {
    let mut tx = pool.begin().await.expect("begin");
    for sql in [
        "DELETE FROM events WHERE aggregate_type = 'Lease' AND aggregate_id = $1",
        "DELETE FROM chain_heads WHERE aggregate_type = 'Lease' AND aggregate_id = $1",
        "DELETE FROM leases WHERE lease_id = $1",
        "DELETE FROM lease_activity WHERE lease_id = $1",
        "DELETE FROM outbox WHERE aggregate_type = 'Lease' AND aggregate_id = $1",
        "DELETE FROM event_log WHERE aggregate_type = 'Lease' AND aggregate_id = $1",
    ] {
        sqlx::query(sql)
            .bind(lease_id)
            .execute(&mut *tx)
            .await
            .expect(sql);
    }
    rechain_log(&mut tx).await;
    tx.commit().await.expect("commit");
}

/// Deletes the last `count` events of a lease, points its chain head at the new last
/// event, and cuts the global log (and its head) back to match.
pub async fn truncate_lease(pool: &PgPool, lease_id: &str, count: i64) {
    let mut tx = pool.begin().await.expect("begin");
    let last: i64 = sqlx::query_scalar(
        "SELECT max(sequence) FROM events WHERE aggregate_type = 'Lease' AND aggregate_id = $1",
    )
    .bind(lease_id)
    .fetch_one(&mut *tx)
    .await
    .expect("last");
    let keep = last - count;
    for sql in [
        "DELETE FROM events WHERE aggregate_type = 'Lease' AND aggregate_id = $1 AND sequence > $2",
        "DELETE FROM event_log WHERE aggregate_type = 'Lease' AND aggregate_id = $1 AND sequence > $2",
        "UPDATE chain_heads h SET last_sequence = e.sequence, hash = e.hash
           FROM events e
          WHERE h.aggregate_type = 'Lease' AND h.aggregate_id = $1
            AND e.aggregate_type = 'Lease' AND e.aggregate_id = $1 AND e.sequence = $2",
    ] {
        sqlx::query(sql)
            .bind(lease_id)
            .bind(keep)
            .execute(&mut *tx)
            .await
            .expect(sql);
    }
    rechain_log(&mut tx).await;
    tx.commit().await.expect("commit");
}

/// Renumbers the global log densely and recomputes every running hash and the head, as
/// someone covering their tracks would.
async fn rechain_log(tx: &mut sqlx::Transaction<'_, sqlx::Postgres>) {
    sqlx::query(
        "DO $$
         DECLARE r record; pos bigint := 0; prev bytea;
         BEGIN
             CREATE TEMP TABLE kept ON COMMIT DROP AS
                 SELECT * FROM event_log ORDER BY position;
             DELETE FROM event_log;
             FOR r IN SELECT * FROM kept ORDER BY position LOOP
                 pos := pos + 1;
                 prev := event_log_hash(prev, pos, r.aggregate_type, r.aggregate_id,
                                        r.sequence, r.event_hash);
                 INSERT INTO event_log (position, global_position, aggregate_type,
                                        aggregate_id, sequence, event_hash, running_hash)
                 VALUES (pos, r.global_position, r.aggregate_type, r.aggregate_id,
                         r.sequence, r.event_hash, prev);
             END LOOP;
             UPDATE event_log_head SET position = pos, running_hash = prev;
         END $$",
    )
    .execute(&mut **tx)
    .await
    .expect("rechain the global log");
}
