//! `rebuild` gives exactly the rows the projector built incrementally.

mod helpers;

use helpers::lifecycle::{active_lease, finish};
use helpers::{dump_read_models, world, Bus};
use leasehold_projection::rebuild;

#[tokio::test]
async fn rebuild_matches_the_incremental_projection() {
    let w = world().await;
    let pool = &w.db.pool;
    let mut bus = Bus::new(pool).await;
    let first = active_lease(&w).await;
    bus.sync().await;
    finish(&w, &first).await;
    bus.sync().await;
    let _second = active_lease(&w).await;
    bus.sync().await;
    let incremental = dump_read_models(pool).await;
    assert!(
        incremental.iter().all(|(_, rows)| !rows.is_empty()),
        "{incremental:?}"
    );

    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(pool)
        .await
        .expect("count");
    let count = rebuild(pool).await.expect("rebuild");
    assert_eq!(count, events as u64);
    assert_eq!(dump_read_models(pool).await, incremental);

    // Rebuilding twice is the same again; the projector then has nothing to add.
    rebuild(pool).await.expect("rebuild again");
    assert_eq!(dump_read_models(pool).await, incremental);
    bus.sync().await;
    assert_eq!(dump_read_models(pool).await, incremental);
    bus.cleanup().await;
}
