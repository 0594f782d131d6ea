//! Crash safety of the relay: a relay killed between publishing and marking loses and
//! duplicates nothing, in JetStream or in the read models.

mod helpers;

use std::time::Duration;

use helpers::TestApp;
use leasehold::app::Components;
use leasehold_api::Operation;
use leasehold_command::Policy;
use leasehold_relay::{fetch_unpublished, Relay, RelayStep};
use serde_json::json;

async fn read_models(app: &TestApp) -> Vec<String> {
    let mut all = Vec::new();
    for table in ["connections", "dynamic_secrets", "leases"] {
        let rows: Vec<String> =
            sqlx::query_scalar(&format!("SELECT t::text FROM {table} t ORDER BY 1"))
                .fetch_all(&app.db.pool)
                .await
                .expect("dump");
        all.extend(rows);
    }
    all
}

#[tokio::test]
async fn a_relay_killed_mid_batch_loses_and_duplicates_nothing() {
    let components = Components {
        relay: false,
        ..Components::ALL
    };
    let app = TestApp::spawn_custom(Default::default(), components, Policy::allow_all(), |c| {
        c.activation_wait_secs = 0;
    })
    .await;
    app.connect().await;
    app.secrets("crash", &["alice", "bob", "carol"], "1h", "2h")
        .await;
    let fast = app.client("dev");
    for who in ["alice", "bob", "carol"] {
        // Without a relay nothing is published, so these replies are `pending`.
        let reply = tokio::time::timeout(
            Duration::from_secs(30),
            fast.command(
                Operation::LeaseCreate,
                &json!({ "secret": format!("crash-{who}") }),
            ),
        )
        .await
        .expect("reply in time")
        .expect("lease.create");
        assert_eq!(reply["status"], "pending");
    }

    // The first relay publishes part of the outbox and dies before marking it.
    let rows = fetch_unpublished(&app.db.pool, 1000).await.expect("outbox");
    assert_eq!(
        rows.len(),
        10,
        "connection, 3 secrets, 3 reservations, 3 requests"
    );
    let crashed = Relay::new(
        app.db.pool.clone(),
        app.engine.js.clone(),
        app.engine.subjects.clone(),
    );
    crashed
        .publish(&rows[..rows.len() / 2])
        .await
        .expect("publish");
    drop(crashed);

    // A new relay republishes from the first unmarked row; JetStream drops the repeats.
    let mut relay = Relay::new(
        app.db.pool.clone(),
        app.engine.js.clone(),
        app.engine.subjects.clone(),
    )
    .with_batch(7);
    while relay.step().await.expect("step") != RelayStep::Idle {}
    // Only this test steps a relay, so the stream holds exactly the rows marked
    // published (the worker may append more events meanwhile; they wait in the outbox).
    let events: i64 =
        sqlx::query_scalar("SELECT count(*) FROM outbox WHERE published_at IS NOT NULL")
            .fetch_one(&app.db.pool)
            .await
            .expect("count");
    let mut stream = app
        .engine
        .js
        .get_stream(app.engine.subjects.stream_name())
        .await
        .expect("stream");
    let stored = stream.info().await.expect("info").state.messages;
    assert_eq!(stored as i64, events, "every event once in JetStream");

    // The worker activates the leases; this relay publishes those events too, and the
    // projector catches up with every event.
    let mut poll = leasehold_testkit::Poll::new(Duration::from_secs(60), Duration::from_millis(50));
    let before = loop {
        while relay.step().await.expect("step") != RelayStep::Idle {}
        let activated: i64 =
            sqlx::query_scalar("SELECT count(*) FROM events WHERE event_type = 'LeaseActivated'")
                .fetch_one(&app.db.pool)
                .await
                .expect("count");
        let projected: i64 = sqlx::query_scalar(
            "SELECT coalesce(sum(last_sequence), 0)::bigint FROM (
                 SELECT last_sequence FROM connections UNION ALL
                 SELECT last_sequence FROM dynamic_secrets UNION ALL
                 SELECT last_sequence FROM leases) s",
        )
        .fetch_one(&app.db.pool)
        .await
        .expect("sum");
        let total: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
            .fetch_one(&app.db.pool)
            .await
            .expect("count");
        if activated == 3 && projected == total {
            break read_models(&app).await;
        }
        assert!(
            poll.again().await,
            "never settled: {activated} activated, {projected} of {total} projected"
        );
    };
    assert!(before.iter().filter(|r| r.contains("active")).count() >= 3);
    leasehold_projection::rebuild(&app.db.pool)
        .await
        .expect("rebuild");
    assert_eq!(before, read_models(&app).await);
    app.stop().await;
}
