//! The running relay keeps several batches in flight: whatever the batch size and however
//! the outbox grows while it publishes, every row reaches the stream exactly once and each
//! aggregate's events arrive in sequence order.

use std::collections::HashMap;
use std::time::Duration;

use async_nats::jetstream;
use leasehold_bus::{ensure_stream, EventMessage, StreamSettings};
use leasehold_relay::Relay;
use leasehold_store::testing::TestDb;
use leasehold_testkit::{nats, Poll};
use sqlx::PgPool;

const AGGREGATES: i64 = 3;
const EVENTS_EACH: i64 = 40;

/// Event `sequence` of every aggregate, as the trigger would write them.
async fn write_round(pool: &PgPool, sequence: i64) {
    for aggregate in 0..AGGREGATES {
        let position = (sequence - 1) * AGGREGATES + aggregate + 1;
        outbox_row(pool, position, aggregate, sequence).await;
    }
}

async fn outbox_row(pool: &PgPool, position: i64, aggregate: i64, sequence: i64) {
    sqlx::query(
        "INSERT INTO outbox (global_position, aggregate_type, aggregate_id, sequence,
                             event_type, event_version, payload, metadata, recorded_at)
         VALUES ($1, 'Lease', $2, $3, 'LeaseRenewed', '1.0', '{}', '{}', now())",
    )
    .bind(position)
    .bind(format!("l-{aggregate}"))
    .bind(sequence)
    .execute(pool)
    .await
    .expect("outbox row");
}

async fn unpublished(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM outbox WHERE published_at IS NULL")
        .fetch_one(pool)
        .await
        .expect("count")
}

#[tokio::test]
async fn every_row_arrives_once_and_in_order_with_several_small_batches_in_flight() {
    let db = TestDb::new().await;
    let url =
        std::env::var("LEASEHOLD_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let client = leasehold_bus::connect(&url, "relay-window-test")
        .await
        .expect("NATS");
    let js = jetstream::new(client);
    let subjects = nats::unique_subjects();
    let stream = ensure_stream(&js, &subjects, &StreamSettings::default())
        .await
        .expect("stream");

    // Half of the rows are there before the relay starts, half come while it runs.
    for sequence in 1..=EVENTS_EACH / 2 {
        write_round(&db.pool, sequence).await;
    }
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let relay = Relay::new(db.pool.clone(), js.clone(), subjects.clone()).with_batch(4);
    let running = tokio::spawn(relay.run(async move {
        stopped.await.ok();
    }));
    for sequence in EVENTS_EACH / 2 + 1..=EVENTS_EACH {
        write_round(&db.pool, sequence).await;
    }

    let mut poll = Poll::new(Duration::from_secs(30), Duration::from_millis(20));
    while unpublished(&db.pool).await > 0 {
        assert!(poll.again().await, "the relay left rows unpublished");
    }
    stop.send(()).ok();
    running.await.expect("join").expect("relay stops cleanly");

    let total = u64::try_from(AGGREGATES * EVENTS_EACH).expect("count");
    let info = stream.get_info().await.expect("stream info");
    assert_eq!(
        info.state.messages, total,
        "duplicates or losses in the stream"
    );
    let mut last: HashMap<String, i64> = HashMap::new();
    for n in 1..=total {
        let message = stream.get_raw_message(n).await.expect("message");
        let event: EventMessage = serde_json::from_slice(&message.payload).expect("event");
        let before = last.insert(event.aggregate_id.clone(), event.sequence);
        assert_eq!(
            before.unwrap_or(0) + 1,
            event.sequence,
            "{} out of order",
            event.aggregate_id
        );
    }
    js.delete_stream(subjects.stream_name())
        .await
        .expect("delete test stream");
}
