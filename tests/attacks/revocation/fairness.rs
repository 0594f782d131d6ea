//! One tenant whose client secret stopped working, with 2,000 revocations failing, does
//! not delay another tenant's revocation.

use std::time::Duration;

use entra_emulator::{AppSeed, ClientSecretSeed, EmulatorConfig, Seed, DEMO_TENANT_ID};
use futures::stream::{self, StreamExt};
use leasehold::app::Components;
use leasehold_api::Operation;
use leasehold_command::Policy;
use serde_json::json;

use super::{lease, wait_password_dead};
use crate::helpers::{lease_create, lease_id_of, status_is, TestApp};
use crate::nats_server::NatsServer;

/// Leases on the tenant whose client secret stops working.
const BROKEN_LEASES: usize = 2000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_failing_revocations_of_one_tenant_do_not_delay_another_tenants() {
    let config = EmulatorConfig {
        seed: Seed::demo().with_generated_users(DEMO_TENANT_ID, BROKEN_LEASES),
        ..EmulatorConfig::default()
    };
    let server = NatsServer::start().await;
    let app = TestApp::spawn_secured(&server, config, Components::ALL, Policy::allow_all()).await;
    // A second app registration whose client secret expires in an hour (emulator time).
    let emulator = app.emulator.state();
    let broken_app = uuid::Uuid::new_v4();
    emulator
        .add_app(
            DEMO_TENANT_ID,
            AppSeed {
                client_id: broken_app,
                display_name: "expiring".into(),
                secrets: vec![ClientSecretSeed {
                    value: "expiring-client-secret-value".into(),
                    expires_at: Some(emulator.now() + chrono::Duration::hours(1)),
                }],
                permissions: vec![
                    "User.Read.All".into(),
                    "User-PasswordProfile.ReadWrite.All".into(),
                    "User.RevokeSessions.All".into(),
                ],
                directory_roles: vec!["User Administrator".into()],
                ..Default::default()
            },
        )
        .expect("add app");
    app.connect().await;
    let base = app.emulator.base_url();
    app.admin
        .command(
            Operation::ConnectionCreate,
            &json!({
                "name": "expiring",
                "tenant_id": DEMO_TENANT_ID,
                "client_id": broken_app.to_string(),
                "client_secret": "expiring-client-secret-value",
                "cloud": { "kind": "custom", "login_url": base, "graph_url": base },
            }),
        )
        .await
        .expect("connection.create");
    app.secrets("ops", &["alice"], "1h", "2h").await;
    app.numbered_secrets("expiring", "x", BROKEN_LEASES).await;
    let broken: Vec<String> = stream::iter(1..=BROKEN_LEASES)
        .map(|i| {
            let client = app.client("bob");
            async move {
                let secret = format!("x-user{i:04}");
                lease_id_of(&lease_create(&client, &secret, None).await)
            }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    let (alice, password) = lease(&app.admin, "ops-alice").await;

    // The expiring app's secret runs out; all its leases are revoked and keep failing.
    emulator.advance_clock(Duration::from_secs(2 * 3600));
    stream::iter(broken.iter())
        .map(|id| {
            let client = app.client("bob");
            async move {
                client
                    .command(Operation::LeaseRevoke, &json!({ "lease_id": id }))
                    .await
                    .expect("revoke");
            }
        })
        .buffer_unordered(32)
        .collect::<Vec<_>>()
        .await;
    let mut poll =
        leasehold_testkit::Poll::new(Duration::from_secs(180), Duration::from_millis(200));
    loop {
        let failed: i64 = sqlx::query_scalar(
            "SELECT count(DISTINCT aggregate_id) FROM events WHERE event_type = 'RevocationAttemptFailed'",
        )
        .fetch_one(&app.db.pool)
        .await
        .expect("count");
        if failed >= 1000 {
            break;
        }
        assert!(
            poll.again().await,
            "only {failed} leases failed to revoke so far"
        );
    }

    // Meanwhile, the healthy tenant's lease is revoked promptly.
    let asked = std::time::Instant::now();
    app.admin
        .command(Operation::LeaseRevoke, &json!({ "lease_id": alice }))
        .await
        .expect("revoke alice");
    wait_password_dead(&app, &password, Duration::from_secs(5)).await;
    let took = asked.elapsed();
    app.wait_lease(&alice, Duration::from_secs(10), status_is("revoked"))
        .await;
    assert!(took <= Duration::from_secs(5), "{took:?}");
    let still_revoking: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events r WHERE r.event_type = 'LeaseRevocationRequested'
            AND NOT EXISTS (SELECT 1 FROM events d WHERE d.aggregate_id = r.aggregate_id
                               AND d.event_type = 'LeaseRevoked')",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("count");
    assert_eq!(
        still_revoking, BROKEN_LEASES as i64,
        "the broken tenant's leases keep waiting"
    );
    app.stop().await;
}
