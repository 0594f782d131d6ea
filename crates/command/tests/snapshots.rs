//! Snapshots are authenticated: the executor uses one only when its MAC and the chain hash
//! it was taken at check out, and otherwise folds the events and records the refusal.

mod helpers;

use helpers::{meta, t0, world, World};
use leasehold_command::{Executor, SNAPSHOT_EVERY};
use leasehold_domain::DynamicSecret;
use leasehold_testkit::lifecycle;

/// Leases and revokes until the secret has a snapshot.
async fn snapshotted() -> World {
    let w = world().await;
    let m = meta("alice", t0());
    // Each lease adds a reservation and a release to the secret's stream.
    for _ in 0..(SNAPSHOT_EVERY / 2 + 1) {
        lifecycle::released(&w, &m).await;
    }
    w
}

async fn rejections(w: &World) -> Vec<String> {
    sqlx::query_scalar("SELECT reason FROM snapshot_rejections ORDER BY id")
        .fetch_all(&w.db.pool)
        .await
        .expect("rejections")
}

async fn folded(w: &World) -> DynamicSecret {
    let full: Executor<DynamicSecret> = Executor::new(w.db.pool.clone(), 0);
    full.load(&w.secret).await.expect("fold")
}

#[tokio::test]
async fn the_engines_own_snapshot_is_trusted() {
    let w = snapshotted().await;
    let (sequence, has_mac): (i64, bool) = sqlx::query_as(
        "SELECT last_sequence, mac IS NOT NULL AND chain_hash IS NOT NULL FROM snapshots",
    )
    .fetch_one(&w.db.pool)
    .await
    .expect("one snapshot");
    assert_eq!(sequence, i64::try_from(SNAPSHOT_EVERY).expect("fits"));
    assert!(has_mac);
    let loaded = w.commands.secrets.load(&w.secret).await.expect("load");
    assert_eq!(loaded, folded(&w).await);
    assert!(rejections(&w).await.is_empty());
}

#[tokio::test]
async fn an_edited_snapshot_is_refused_and_recorded() {
    let w = snapshotted().await;
    let before = folded(&w).await;
    // Whoever can write `snapshots` changes the state but cannot recompute the MAC.
    let changed = sqlx::query(
        "UPDATE snapshots SET payload = replace(payload::text, 'Alice', 'Mallory')::json",
    )
    .execute(&w.db.pool)
    .await
    .expect("edit snapshot");
    assert_eq!(changed.rows_affected(), 1);
    let loaded = w.commands.secrets.load(&w.secret).await.expect("load");
    assert_eq!(loaded, before);
    let reasons = rejections(&w).await;
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert!(reasons[0].contains("MAC"), "{reasons:?}");
}

#[tokio::test]
async fn a_snapshot_of_rewritten_history_is_refused() {
    let w = snapshotted().await;
    // The event the snapshot was taken at now has another chain hash (history was
    // rewritten under it): the snapshot no longer describes this history.
    sqlx::query(
        "UPDATE events e SET hash = sha256(e.hash)
           FROM snapshots s
          WHERE e.aggregate_type = s.aggregate_type AND e.aggregate_id = s.aggregate_id
            AND e.sequence = s.last_sequence",
    )
    .execute(&w.db.pool)
    .await
    .expect("rewrite");
    w.commands.secrets.load(&w.secret).await.expect("load");
    let reasons = rejections(&w).await;
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert!(reasons[0].contains("chain hash"), "{reasons:?}");
}

#[tokio::test]
async fn a_snapshot_from_before_a_master_key_rotation_is_folded_quietly() {
    let w = snapshotted().await;
    let rotated = leasehold_command::Commands::new(
        w.db.pool.clone(),
        leasehold_store::KeyStore::new(w.db.pool.clone(), leasehold_crypto::MasterKey::generate()),
    );
    let loaded = rotated.secrets.load(&w.secret).await.expect("load");
    assert_eq!(loaded, folded(&w).await);
    assert!(rejections(&w).await.is_empty());
}
