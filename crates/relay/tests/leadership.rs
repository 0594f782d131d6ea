//! Leadership is a Postgres advisory lock, which belongs to a database session. These
//! tests check that a relay which stops leading — because a step failed, or because it
//! was dropped — never leaves the lock held by a connection idling in its pool, where
//! no relay (itself included) could ever take the lead again.

use std::time::Duration;

use async_nats::jetstream;
use leasehold_relay::{Relay, RelayStep};
use leasehold_store::testing::TestDb;
use leasehold_testkit::nats::{unique_subjects, url as nats_url};
use leasehold_testkit::Poll;
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;

/// The pool of one engine process: the relay shares it with other components.
async fn process_pool(db: &TestDb) -> PgPool {
    PgPoolOptions::new()
        .max_connections(4)
        .connect(&db.url)
        .await
        .expect("pool")
}

async fn advisory_locks(pool: &PgPool) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_locks
          WHERE locktype = 'advisory'
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    .fetch_one(pool)
    .await
    .expect("pg_locks")
}

/// One outbox row, as the trigger would write it.
async fn one_outbox_row(pool: &PgPool) {
    sqlx::query(
        "INSERT INTO outbox (global_position, aggregate_type, aggregate_id, sequence,
                             event_type, event_version, payload, metadata, recorded_at)
         VALUES (1, 'Lease', 'l-1', 1, 'LeaseRequested', '1.0', '{}', '{}', now())",
    )
    .execute(pool)
    .await
    .expect("outbox row");
}

/// Polls `relay` until it is not standing by; false if it stood by until the deadline.
async fn takes_the_lead(relay: &mut Relay, within: Duration) -> bool {
    let mut poll = Poll::new(within, Duration::from_millis(20));
    loop {
        // An error means this relay led and its publish failed: it did get the lead.
        if !matches!(relay.step().await, Ok(RelayStep::Standby)) {
            return true;
        }
        if !poll.again().await {
            return false;
        }
    }
}

#[tokio::test]
async fn a_relay_whose_publish_failed_lets_another_relay_lead() {
    let db = TestDb::new().await;
    let client = leasehold_bus::connect(&nats_url(), "relay-leadership-test")
        .await
        .expect("NATS");
    let js = jetstream::new(client);
    let subjects = unique_subjects();
    one_outbox_row(&db.pool).await;

    // Relay A runs its loop; JetStream has no stream, so each of its steps fails.
    let pool_a = process_pool(&db).await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let a = tokio::spawn(
        Relay::new(pool_a.clone(), js.clone(), subjects.clone()).run(async move {
            stopped.await.ok();
        }),
    );
    let mut poll = Poll::new(Duration::from_secs(10), Duration::from_millis(10));
    while advisory_locks(&db.pool).await == 0 {
        assert!(poll.again().await, "relay A never took the lead");
    }

    // Relay B, another process, waits for the lead A cannot use.
    let pool_b = process_pool(&db).await;
    let mut b = Relay::new(pool_b, js.clone(), subjects.clone());
    assert!(
        takes_the_lead(&mut b, Duration::from_secs(10)).await,
        "after failing, relay A left its lock on a pooled connection: nobody can lead"
    );
    stop.send(()).ok();
    a.await.expect("join").expect("relay A stops cleanly");
}

#[tokio::test]
async fn a_dropped_relay_frees_the_lead_although_its_pool_lives_on() {
    let db = TestDb::new().await;
    let client = leasehold_bus::connect(&nats_url(), "relay-leadership-test")
        .await
        .expect("NATS");
    let js = jetstream::new(client);
    let subjects = unique_subjects();

    let pool_a = process_pool(&db).await;
    let mut a = Relay::new(pool_a.clone(), js.clone(), subjects.clone());
    assert_eq!(a.step().await.expect("step"), RelayStep::Idle, "A leads");
    // The relay's task ends (aborted, or its component stopped); the process's pool,
    // shared with other components, stays.
    drop(a);

    let pool_b = process_pool(&db).await;
    let mut b = Relay::new(pool_b, js, subjects);
    assert!(
        takes_the_lead(&mut b, Duration::from_secs(10)).await,
        "the dropped relay's lock lives on in its pool"
    );
    // A's pool is still usable and holds no lock.
    sqlx::query("SELECT 1")
        .execute(&pool_a)
        .await
        .expect("pool A");
}
