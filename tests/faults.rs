//! Graph faults: with 20% injected 503s and throttling on, 200 leases are all activated
//! and all revoked in the end, and the failed attempts are in their histories.

mod helpers;

use std::time::Duration;

use entra_emulator::{EmulatorConfig, FaultConfig, Seed, ThrottleConfig, DEMO_TENANT_ID};
use futures::stream::{self, StreamExt};
use helpers::{lease_create, lease_id_of, TestApp};
use leasehold::app::Components;
use leasehold_api::Operation;
use leasehold_command::Policy;
use serde_json::json;

const LEASES: usize = 200;

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.db.pool)
        .await
        .expect(sql)
}

async fn wait_count(app: &TestApp, sql: &str, want: i64, within: Duration) {
    let mut poll = leasehold_testkit::Poll::new(within, Duration::from_millis(200));
    loop {
        let n = count(app, sql).await;
        if n >= want {
            return;
        }
        assert!(poll.again().await, "{sql}: {n} of {want}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leases_survive_503s_and_throttling() {
    let config = EmulatorConfig {
        seed: Seed::demo().with_generated_users(DEMO_TENANT_ID, LEASES),
        throttle: ThrottleConfig {
            enabled: true,
            // 10 writes/s sustained (burst 50): well below what the engine sends, so the
            // bucket throttles however fast or slow this machine is.
            writes: 50,
            per: Duration::from_secs(5),
        },
        ..Default::default()
    };
    let app = TestApp::spawn_with(config, Components::ALL, Policy::allow_all()).await;
    app.connect().await;
    app.numbered_secrets("contoso", "f", LEASES).await;
    app.emulator.state().set_faults(FaultConfig {
        error_rate: 0.2,
        ..Default::default()
    });

    let ids: Vec<String> = stream::iter(1..=LEASES)
        .map(|i| {
            let client = app.client("dev");
            async move {
                let secret = format!("f-user{i:04}");
                lease_id_of(&lease_create(&client, &secret, Some("1h")).await)
            }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    assert_eq!(ids.len(), LEASES);
    wait_count(
        &app,
        "SELECT count(*) FROM events WHERE event_type = 'LeaseActivated'",
        LEASES as i64,
        Duration::from_secs(240),
    )
    .await;
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM events WHERE event_type = 'LeaseActivationFailed'"
        )
        .await,
        0
    );

    for id in &ids {
        app.client("dev")
            .command(Operation::LeaseRevoke, &json!({ "lease_id": id }))
            .await
            .expect("revoke");
    }
    wait_count(
        &app,
        "SELECT count(*) FROM events WHERE event_type = 'LeaseRevoked'",
        LEASES as i64,
        Duration::from_secs(240),
    )
    .await;
    let failed_attempts = count(
        &app,
        "SELECT count(*) FROM events
          WHERE event_type IN ('ActivationAttemptFailed', 'RevocationAttemptFailed')",
    )
    .await;
    assert!(
        failed_attempts > 0,
        "20% faults must show up as failed attempts"
    );
    let throttled = app
        .emulator
        .state()
        .request_log()
        .iter()
        .filter(|r| r.status == 429)
        .count();
    assert!(throttled > 0, "the bucket must have throttled some writes");
    app.emulator.state().set_faults(FaultConfig::default());
    app.stop().await;
}
