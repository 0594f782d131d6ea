//! The outbox and the idempotency keys of `lease.create` do not grow forever: published
//! outbox rows go after their retention, request ids of leases that ended long ago go
//! too, and nothing still needed (unpublished rows, live leases' request ids) is lost.

use std::time::Duration;

use chrono::Utc;
use leasehold_domain::{FailureInfo, LeaseId};
use leasehold_relay::{mark_published, prune, Retention};
use leasehold_testkit::{meta, t0, world};
use sqlx::PgPool;

const DAY: Duration = Duration::from_secs(24 * 3600);

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.expect(sql)
}

async fn bind_request(pool: &PgPool, request_id: &str, lease_id: &str) {
    sqlx::query(
        "INSERT INTO lease_requests (actor, request_id, secret, lease_id)
         VALUES ('dev', $1, 'ops-alice', $2)",
    )
    .bind(request_id)
    .bind(lease_id)
    .execute(pool)
    .await
    .expect("bind request id");
}

#[tokio::test]
async fn published_rows_and_ended_leases_request_ids_are_pruned_after_retention() {
    let w = world().await;
    let pool = &w.db.pool;
    let m = meta("dev", t0());

    // A lease that ended (its activation failed for good), and one that is live.
    let ended = w
        .commands
        .request_lease(&w.secret, None, &m)
        .await
        .expect("request");
    let ended_id = ended.events[0].aggregate_id.clone();
    let failure = FailureInfo {
        kind: "permanent".into(),
        message: "user not found".into(),
        request_id: None,
    };
    w.commands
        .record_activation_failure(&LeaseId::parse(&ended_id).expect("id"), failure, true, &m)
        .await
        .expect("fail activation");
    let live = w
        .commands
        .request_lease(&w.secret, None, &m)
        .await
        .expect("second request");
    let live_id = live.events[0].aggregate_id.clone();
    bind_request(pool, "r-ended", &ended_id).await;
    bind_request(pool, "r-live", &live_id).await;
    bind_request(pool, "r-never", "0193a6a2-7c1e-7d3a-9f2b-5c8e1d2f3a4b").await;

    // Half of the outbox is published.
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM outbox ORDER BY id")
        .fetch_all(pool)
        .await
        .expect("outbox");
    let published = &ids[..ids.len() / 2];
    mark_published(pool, published).await.expect("mark");
    let total = ids.len() as u64;

    // Within the retention nothing goes.
    let retention = Retention {
        outbox: DAY,
        lease_requests: 7 * DAY,
    };
    let now = Utc::now();
    let kept = prune(pool, now, retention).await.expect("prune");
    assert_eq!((kept.outbox, kept.lease_requests), (0, 0));

    // Two days on: published rows go, unpublished ones stay.
    let later = prune(pool, now + chrono::Duration::days(2), retention)
        .await
        .expect("prune");
    assert_eq!(later.outbox, published.len() as u64);
    assert_eq!(
        count(pool, "SELECT count(*) FROM outbox").await as u64,
        total - published.len() as u64
    );
    assert_eq!(
        count(
            pool,
            "SELECT count(*) FROM outbox WHERE published_at IS NOT NULL"
        )
        .await,
        0
    );
    assert_eq!(later.lease_requests, 0, "request ids are kept a week");

    // Eight days on: the ended lease's and the never-made lease's request ids go; the
    // live lease's stays, so its retries still find it.
    let week = prune(pool, now + chrono::Duration::days(8), retention)
        .await
        .expect("prune");
    assert_eq!(week.lease_requests, 2);
    let left: Vec<String> = sqlx::query_scalar("SELECT request_id FROM lease_requests")
        .fetch_all(pool)
        .await
        .expect("left");
    assert_eq!(left, vec!["r-live".to_string()]);
}
