//! The global log under concurrent appends: positions are dense, follow commit order, and
//! the running hashes recompute, so verify finds nothing on an untouched store; a
//! rewritten log is named once.

use leasehold_audit::{log_head, verify};
use leasehold_store::testing::TestDb;

/// Appends `count` two-event transactions for aggregate `id`, as postgres-es does.
async fn append(pool: sqlx::PgPool, id: String, count: i64) {
    for n in 0..count {
        let mut tx = pool.begin().await.expect("begin");
        for sequence in [2 * n + 1, 2 * n + 2] {
            sqlx::query(
                "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type,
                                     event_version, payload, metadata)
                 VALUES ('Bench', $1, $2, 'Happened', '1', '{\"n\": 1}', '{}')",
            )
            .bind(&id)
            .bind(sequence)
            .execute(&mut *tx)
            .await
            .expect("insert");
        }
        tx.commit().await.expect("commit");
    }
}

#[tokio::test]
async fn concurrent_appends_get_dense_positions_in_commit_order() {
    let db = TestDb::new().await;
    let writers: Vec<_> = (0..8)
        .map(|w| tokio::spawn(append(db.pool.clone(), format!("agg-{w}"), 25)))
        .collect();
    for writer in writers {
        writer.await.expect("writer");
    }
    let head = log_head(&db.pool).await.expect("head");
    assert_eq!(head.position, 8 * 25 * 2);
    let report = verify(&db.pool).await.expect("verify");
    assert!(report.ok, "{:?}", report.problems);
    assert_eq!(report.log.as_ref(), Some(&head));
    // Within one aggregate, positions follow sequences (each transaction commits whole).
    let out_of_order: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM event_log a JOIN event_log b
             ON a.aggregate_id = b.aggregate_id AND a.sequence < b.sequence
          WHERE a.position > b.position",
    )
    .fetch_one(&db.pool)
    .await
    .expect("order");
    assert_eq!(out_of_order, 0);

    // An owner rewrites one running hash in the middle: named once, not for every later
    // position.
    sqlx::query("UPDATE event_log SET running_hash = sha256(running_hash) WHERE position = 100")
        .execute(&db.pool)
        .await
        .expect("rewrite");
    let report = verify(&db.pool).await.expect("verify");
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    assert!(report.problems[0].message.contains("position 100"));
}
