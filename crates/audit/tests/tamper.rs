//! Tamper evidence: the `events_chain` trigger hashes every event, `verify` recomputes the
//! same hashes in Rust and names the first edited, deleted or re-ordered event; the global
//! log (`events_log`) names every event that is gone or differs from what it recorded.
//!
//! The lease of every test has seven events: 1 LeaseRequested, 2 ActivationAttemptFailed,
//! 3 LeaseActivated, 4 LeaseRenewed, 5 LeaseRevocationRequested, 6 RevocationAttemptFailed,
//! 7 LeaseRevoked.

mod helpers;

use helpers::finished_world;
use leasehold_audit::{chain_hash, verify, ProblemKind, StoredEvent};
use leasehold_domain::LeaseId;
use sqlx::PgPool;

/// `(kind, aggregate_type, aggregate_id, sequence)` of every problem verify reports.
async fn problems(pool: &PgPool) -> Vec<(ProblemKind, String, String, Option<i64>)> {
    let report = verify(pool).await.expect("verify");
    assert_eq!(report.ok, report.problems.is_empty());
    report
        .problems
        .into_iter()
        .map(|p| (p.kind, p.aggregate_type, p.aggregate_id, p.sequence))
        .collect()
}

fn lease(
    kind: ProblemKind,
    id: &LeaseId,
    sequence: i64,
) -> (ProblemKind, String, String, Option<i64>) {
    (kind, "Lease".into(), id.to_string(), Some(sequence))
}

async fn tamper(pool: &PgPool, sql: &str, id: &LeaseId) {
    let done = sqlx::query(sql)
        .bind(id.to_string())
        .execute(pool)
        .await
        .expect("tamper");
    assert!(done.rows_affected() > 0, "{sql} changed nothing");
}

async fn all_events(pool: &PgPool) -> Vec<StoredEvent> {
    sqlx::query_as(
        "SELECT aggregate_type, aggregate_id, sequence, event_type, event_version,
                payload::text AS payload, metadata::text AS metadata, recorded_at,
                global_position, prev_hash, hash
           FROM events ORDER BY aggregate_type, aggregate_id, sequence",
    )
    .fetch_all(pool)
    .await
    .expect("events")
}

#[tokio::test]
async fn a_clean_store_verifies_and_rust_agrees_with_the_trigger() {
    let (w, _id) = finished_world().await;
    let pool = &w.db.pool;
    let report = verify(pool).await.expect("verify");
    assert!(report.ok, "{:?}", report.problems);
    let events = all_events(pool).await;
    assert_eq!(report.events, events.len() as u64);
    assert_eq!(report.aggregates, 3); // connection, secret, lease

    let mut prev: Option<&StoredEvent> = None;
    for event in &events {
        let same_aggregate = prev.is_some_and(|p| {
            p.aggregate_type == event.aggregate_type && p.aggregate_id == event.aggregate_id
        });
        let expected_prev = prev.filter(|_| same_aggregate).and_then(|p| p.hash.clone());
        assert_eq!(event.prev_hash, expected_prev, "link of {event:?}");
        let hash = chain_hash(expected_prev.as_deref(), event);
        assert_eq!(event.hash.as_deref(), Some(&hash[..]), "hash of {event:?}");
        prev = Some(event);
    }
    let heads: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM chain_heads h JOIN events e USING (aggregate_type, aggregate_id)
          WHERE e.sequence = h.last_sequence AND e.hash = h.hash",
    )
    .fetch_one(pool)
    .await
    .expect("heads");
    assert_eq!(heads, 3);
    // The outbox and deadline triggers still ran alongside the chain trigger.
    let outbox: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox")
        .fetch_one(pool)
        .await
        .expect("outbox");
    assert_eq!(outbox, events.len() as i64);
}

#[tokio::test]
async fn hashes_do_not_depend_on_the_session_time_zone() {
    let (w, _id) = finished_world().await;
    let pool = &w.db.pool;
    let mut tx = pool.begin().await.expect("begin");
    sqlx::query("SET LOCAL TimeZone = 'Asia/Kathmandu'")
        .execute(&mut *tx)
        .await
        .expect("zone");
    sqlx::query("SET LOCAL DateStyle = 'SQL, DMY'")
        .execute(&mut *tx)
        .await
        .expect("style");
    for sequence in 1..=2_i64 {
        sqlx::query(
            "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type,
                                 event_version, payload, metadata, recorded_at)
             VALUES ('Probe', 'p1', $1, 'Probed', '1', '{\"Probed\": {\"é\": [1, 2.50]}}',
                     '{}', '2026-06-30 23:59:59.000001+05:45')",
        )
        .bind(sequence)
        .execute(&mut *tx)
        .await
        .expect("insert");
    }
    tx.commit().await.expect("commit");
    let report = verify(pool).await.expect("verify");
    assert!(report.ok, "{:?}", report.problems);
    assert_eq!(report.aggregates, 4);
}

#[tokio::test]
async fn an_edited_event_is_named() {
    let (w, id) = finished_world().await;
    tamper(
        &w.db.pool,
        "UPDATE events SET metadata = '{\"actor\":\"mallory\"}'
          WHERE aggregate_type = 'Lease' AND aggregate_id = $1 AND sequence = 4",
        &id,
    )
    .await;
    assert_eq!(
        problems(&w.db.pool).await,
        vec![lease(ProblemKind::Edited, &id, 4)]
    );
}

#[tokio::test]
async fn an_edit_with_a_recomputed_hash_is_still_named() {
    let (w, id) = finished_world().await;
    tamper(
        &w.db.pool,
        "UPDATE events
            SET payload = replace(payload::text, 'false', 'true')::json
          WHERE aggregate_type = 'Lease' AND aggregate_id = $1 AND sequence = 4",
        &id,
    )
    .await;
    let text: String = sqlx::query_scalar(
        "SELECT payload::text FROM events
          WHERE aggregate_type = 'Lease' AND aggregate_id = $1 AND sequence = 4",
    )
    .bind(id.to_string())
    .fetch_one(&w.db.pool)
    .await
    .expect("payload");
    assert!(text.contains("true"), "{text}");
    // The attacker recomputes the edited event's own hash, but not its successors'.
    tamper(
        &w.db.pool,
        "UPDATE events SET hash = sha256(prev_hash || event_chain_canonical(aggregate_type,
                   aggregate_id, sequence, event_type, event_version, payload, metadata,
                   recorded_at))
          WHERE aggregate_type = 'Lease' AND aggregate_id = $1 AND sequence = 4",
        &id,
    )
    .await;
    // Once by the chain, once by the global log (which recorded the original hash).
    assert_eq!(
        problems(&w.db.pool).await,
        vec![
            lease(ProblemKind::Edited, &id, 4),
            lease(ProblemKind::Edited, &id, 4)
        ]
    );
}

#[tokio::test]
async fn a_deleted_event_is_named() {
    let (w, id) = finished_world().await;
    tamper(
        &w.db.pool,
        "DELETE FROM events WHERE aggregate_type = 'Lease' AND aggregate_id = $1 AND sequence = 3",
        &id,
    )
    .await;
    assert_eq!(
        problems(&w.db.pool).await,
        vec![
            lease(ProblemKind::Deleted, &id, 3),
            lease(ProblemKind::Erased, &id, 3)
        ]
    );
}

#[tokio::test]
async fn reordered_events_are_named() {
    let (w, id) = finished_world().await;
    tamper(
        &w.db.pool,
        "UPDATE events SET sequence = 1000
          WHERE aggregate_type = 'Lease' AND aggregate_id = $1 AND sequence = 4",
        &id,
    )
    .await;
    tamper(
        &w.db.pool,
        "UPDATE events SET sequence = 4
          WHERE aggregate_type = 'Lease' AND aggregate_id = $1 AND sequence = 5",
        &id,
    )
    .await;
    tamper(
        &w.db.pool,
        "UPDATE events SET sequence = 5
          WHERE aggregate_type = 'Lease' AND aggregate_id = $1 AND sequence = 1000",
        &id,
    )
    .await;
    let report = verify(&w.db.pool).await.expect("verify");
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    let p = &report.problems[0];
    assert_eq!(
        (p.kind, p.aggregate_id.as_str(), p.sequence),
        (ProblemKind::Reordered, id.to_string().as_str(), Some(4))
    );
    assert!(
        p.message.contains("recorded as sequence 5"),
        "{}",
        p.message
    );
}

#[tokio::test]
async fn a_deleted_tail_shows_against_the_chain_head() {
    let (w, id) = finished_world().await;
    tamper(
        &w.db.pool,
        "DELETE FROM events WHERE aggregate_type = 'Lease' AND aggregate_id = $1 AND sequence = 7",
        &id,
    )
    .await;
    assert_eq!(
        problems(&w.db.pool).await,
        vec![
            lease(ProblemKind::HeadMismatch, &id, 7),
            lease(ProblemKind::Erased, &id, 7)
        ]
    );
}

#[tokio::test]
async fn deleted_anchors_and_whole_aggregates_show() {
    let (w, id) = finished_world().await;
    let pool = &w.db.pool;
    sqlx::query("DELETE FROM chain_heads WHERE aggregate_type = 'Connection'")
        .execute(pool)
        .await
        .expect("delete head");
    tamper(
        pool,
        "DELETE FROM events WHERE aggregate_type = 'Lease' AND aggregate_id = $1",
        &id,
    )
    .await;
    let mut expected = vec![
        (
            ProblemKind::HeadMismatch,
            "Connection".into(),
            "contoso".into(),
            Some(1),
        ),
        lease(ProblemKind::HeadMismatch, &id, 1),
    ];
    // The global log still names every erased event, and the secret still names the
    // lease whose end it recorded.
    expected.extend((1..=7).map(|seq| lease(ProblemKind::Erased, &id, seq)));
    expected.push((
        ProblemKind::BrokenReference,
        "DynamicSecret".into(),
        "ops-alice".into(),
        Some(2),
    ));
    assert_eq!(problems(pool).await, expected);
}
