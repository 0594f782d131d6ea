//! The event store on real Postgres: one live lease per secret under concurrency, and an
//! outbox row for exactly every committed event.

mod helpers;

use chrono::Duration;
use helpers::{meta, t0, world};
use leasehold_domain::{LeaseId, LeaseStatus};
use leasehold_testkit::lifecycle::{self, Step};

async fn count(pool: &sqlx::PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.expect(sql)
}

#[tokio::test]
async fn two_concurrent_requests_give_one_lease_and_one_conflict() {
    let w = world().await;
    let a = meta("alice", t0());
    let b = meta("bob", t0());
    let (ra, rb) = tokio::join!(
        w.commands.request_lease(&w.secret, None, &a),
        w.commands.request_lease(&w.secret, None, &b)
    );
    let (ok, err) = match (ra, rb) {
        (Ok(ok), Err(err)) | (Err(err), Ok(ok)) => (ok, err),
        other => panic!("expected one lease and one conflict, got {other:?}"),
    };
    assert_eq!(ok.state.status(), Some(LeaseStatus::Requested));
    assert_eq!(err.code, leasehold_api::ErrorCode::LeaseConflict);
    let lease_id = ok.state.terms().expect("terms").lease_id.to_string();
    assert_eq!(err.details["lease_id"], lease_id);
    assert!(err.message.contains(&lease_id));
    let leases = count(
        &w.db.pool,
        "SELECT count(DISTINCT aggregate_id) FROM events WHERE aggregate_type = 'Lease'",
    )
    .await;
    assert_eq!(leases, 1);
}

#[tokio::test]
async fn every_event_has_exactly_one_outbox_row() {
    let w = world().await;
    lifecycle::released(&w, &meta("alice", t0())).await;
    let events = count(&w.db.pool, "SELECT count(*) FROM events").await;
    assert!(
        events >= 6,
        "connection, secret, reserve, request, revoke, release"
    );
    let matched = count(
        &w.db.pool,
        "SELECT count(*) FROM events e JOIN outbox o USING (aggregate_type, aggregate_id, sequence)
         WHERE o.global_position = e.global_position AND o.event_type = e.event_type",
    )
    .await;
    let outbox = count(&w.db.pool, "SELECT count(*) FROM outbox").await;
    assert_eq!(matched, events);
    assert_eq!(outbox, events);
}

#[tokio::test]
async fn a_rolled_back_append_leaves_no_outbox_row() {
    let w = world().await;
    let before = count(&w.db.pool, "SELECT count(*) FROM outbox").await;
    // A conflicting append (an existing sequence) fails and rolls back.
    let mut tx = w.db.pool.begin().await.expect("begin");
    sqlx::query(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version,
                             payload, metadata)
         VALUES ('DynamicSecret', 'ops-alice', 2, 'SecretDeleted', '1', '{}', '{}')",
    )
    .execute(&mut *tx)
    .await
    .expect("a fresh sequence appends");
    let dup = sqlx::query(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version,
                             payload, metadata)
         VALUES ('DynamicSecret', 'ops-alice', 1, 'SecretDeleted', '1', '{}', '{}')",
    )
    .execute(&mut *tx)
    .await;
    assert!(dup.is_err(), "sequence 1 already exists");
    tx.rollback().await.expect("rollback");
    assert_eq!(
        count(&w.db.pool, "SELECT count(*) FROM outbox").await,
        before
    );
    assert_eq!(
        count(&w.db.pool, "SELECT count(*) FROM events").await,
        before,
        "events and outbox stay in step"
    );
}

#[tokio::test]
async fn an_ended_lease_frees_the_secret_for_the_next_one() {
    let w = world().await;
    let m = meta("alice", t0());
    let id = lifecycle::request(&w, &m).await;
    let conflict = w
        .commands
        .request_lease(&w.secret, None, &m)
        .await
        .unwrap_err();
    assert_eq!(conflict.code, leasehold_api::ErrorCode::LeaseConflict);
    lifecycle::perform(&w, &id, Step::ForceRevoke, &m).await;
    let second = lifecycle::request(&w, &m).await;
    assert_ne!(second, id);
}

#[tokio::test]
async fn an_orphaned_reservation_is_released_after_the_grace_period() {
    use leasehold_domain::SecretCommand;
    let w = world().await;
    // Simulate a crash between reserving and creating the lease.
    let orphan = LeaseId::from_uuid(uuid::Uuid::now_v7()).expect("v7");
    let m = meta("alice", t0());
    w.commands
        .secrets
        .execute(
            &w.secret,
            SecretCommand::ReserveLease {
                lease_id: orphan,
                ttl: None,
                at: t0(),
            },
            &m,
        )
        .await
        .expect("reserve");
    let soon = meta("bob", t0() + Duration::seconds(5));
    let err = w
        .commands
        .request_lease(&w.secret, None, &soon)
        .await
        .unwrap_err();
    assert_eq!(
        err.code,
        leasehold_api::ErrorCode::LeaseConflict,
        "still within the grace period"
    );
    let later = meta("bob", t0() + Duration::seconds(60));
    let lease = w
        .commands
        .request_lease(&w.secret, None, &later)
        .await
        .expect("reconciled");
    assert_eq!(lease.state.status(), Some(LeaseStatus::Requested));
    let released: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE event_type = 'LeaseReleased'
           AND payload::text LIKE '%orphaned%'",
    )
    .fetch_one(&w.db.pool)
    .await
    .expect("query");
    assert_eq!(released, 1);
}

#[tokio::test]
async fn a_snapshotted_secret_loads_the_same_state_as_its_full_history() {
    use leasehold_command::{Executor, SNAPSHOT_EVERY};
    use leasehold_domain::DynamicSecret;
    let w = world().await;
    let m = meta("alice", t0());
    // Each lease adds a reservation and a release to the secret's stream.
    for _ in 0..(SNAPSHOT_EVERY / 2 + 5) {
        lifecycle::released(&w, &m).await;
    }
    let live_id = lifecycle::request(&w, &m).await;
    let snapshots = count(&w.db.pool, "SELECT count(*) FROM snapshots").await;
    assert!(snapshots >= 1, "a snapshot was taken");
    let from_snapshot = w.commands.secrets.load(&w.secret).await.expect("load");
    let full: Executor<DynamicSecret> = Executor::new(w.db.pool.clone(), 0);
    let from_events = full.load(&w.secret).await.expect("fold");
    assert_eq!(from_snapshot, from_events);
    assert_eq!(
        from_snapshot.live_lease().map(|l| l.lease_id),
        Some(live_id)
    );
    let err = w
        .commands
        .request_lease(&w.secret, None, &m)
        .await
        .unwrap_err();
    assert_eq!(err.code, leasehold_api::ErrorCode::LeaseConflict);
}
