//! Applying events is idempotent by sequence: redeliveries are skipped and reordering is
//! repaired by re-folding from the event log.

mod helpers;

use helpers::lifecycle::{active_lease, finish};
use helpers::{dump_read_models, stored_messages, world};
use leasehold_projection::{apply, apply_batch, rebuild, ApplyError, ApplyStats};

#[tokio::test]
async fn applying_the_same_event_twice_changes_nothing() {
    let w = world().await;
    let id = active_lease(&w).await;
    let pool = &w.db.pool;
    let messages = stored_messages(pool).await;
    let mut tx = pool.begin().await.expect("tx");
    let stats = apply_batch(&mut tx, &messages).await.expect("apply");
    tx.commit().await.expect("commit");
    assert_eq!(stats.applied, messages.len());
    let before = dump_read_models(pool).await;

    for message in &messages {
        let mut tx = pool.begin().await.expect("tx");
        let again = apply(&mut tx, message).await.expect("apply again");
        tx.commit().await.expect("commit");
        assert_eq!(
            again,
            ApplyStats {
                duplicates: 1,
                ..Default::default()
            }
        );
    }
    assert_eq!(dump_read_models(pool).await, before);
    let lease = helpers::row(pool, "leases", "lease_id", &id.to_string()).await;
    assert_eq!(lease["status"], "active");
}

#[tokio::test]
async fn an_event_ahead_of_its_row_refolds_the_row_from_the_log() {
    let w = world().await;
    let id = active_lease(&w).await;
    finish(&w, &id).await;
    let pool = &w.db.pool;
    let messages = stored_messages(pool).await;
    let lease: Vec<_> = messages
        .iter()
        .filter(|m| m.aggregate_id == id.to_string())
        .collect();
    assert!(lease.len() >= 4, "requested, activated, renewed, …");

    // seq 1, then seq 3 (a gap: re-fold), then seq 2 (now a duplicate), then the rest.
    let mut order = vec![lease[0], lease[2], lease[1]];
    order.extend(&lease[3..]);
    let mut refolded = 0;
    for message in order {
        let mut tx = pool.begin().await.expect("tx");
        refolded += apply(&mut tx, message).await.expect("apply").refolded;
        tx.commit().await.expect("commit");
    }
    assert_eq!(refolded, 1);
    let out_of_order = helpers::row(pool, "leases", "lease_id", &id.to_string()).await;
    assert_eq!(out_of_order["last_sequence"], lease.len() as i64);

    // The fold of the log, from scratch, is the same row.
    rebuild(pool).await.expect("rebuild");
    let folded = helpers::row(pool, "leases", "lease_id", &id.to_string()).await;
    assert_eq!(out_of_order, folded);
}

#[tokio::test]
async fn a_malformed_event_is_refused_before_anything_is_written() {
    let w = world().await;
    let pool = &w.db.pool;
    let mut messages = stored_messages(pool).await;
    let mut bad = messages[0].clone();
    bad.payload = serde_json::json!({"ConnectionCreated": {"name": 7}});
    messages.push(bad);
    let mut tx = pool.begin().await.expect("tx");
    let err = apply_batch(&mut tx, &messages)
        .await
        .expect_err("malformed");
    assert!(matches!(err, ApplyError::Decode(_)));
    assert!(
        !err.to_string().contains('7'),
        "no payload content in errors: {err}"
    );
    drop(tx);
    let mut unknown = messages[0].clone();
    unknown.aggregate_type = "Nope".into();
    let mut tx = pool.begin().await.expect("tx");
    assert!(apply(&mut tx, &unknown).await.is_err());
}
