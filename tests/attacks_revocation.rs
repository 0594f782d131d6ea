//! Attacks on revocation, as an outsider holding only a documented actor identity (or as
//! an operator's accident) would try them, against the real engine under its own
//! identities on a nats-server running the shipped `deploy/nats/leasehold.conf`,
//! Postgres and the emulator: forcing a revocation without the power, acting on another actor's lease, and
//! making a revocation stall or stop through a Graph outage, a purged stream, a killed
//! worker or a broken tenant (`attacks/revocation/fairness.rs`).

mod helpers;
mod nats_server;
#[path = "attacks/revocation/mod.rs"]
mod revocation;

use std::time::Duration;

use entra_emulator::{EmulatorConfig, FaultConfig};
use helpers::{status_is, TestApp};
use leasehold::app::Components;
use leasehold::signin::SignIn;
use leasehold_api::Operation;
use leasehold_command::Policy;
use leasehold_crypto::MasterKey;
use nats_server::NatsServer;
use revocation::process::WorkerProcess;
use revocation::*;
use serde_json::json;

/// Everything but the worker: the tests run their own (fast retries, or a subprocess).
const NO_WORKER: Components = Components {
    worker: false,
    ..Components::ALL
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_an_admin_may_force_a_revocation_and_the_scramble_is_retried_until_confirmed() {
    let server = NatsServer::start().await;
    let app = TestApp::spawn_secured(
        &server,
        EmulatorConfig::default(),
        Components::ALL,
        two_actors(),
    )
    .await;
    app.connect().await;
    app.secrets("ops", &["alice"], "1h", "2h").await;
    let alice = app.client("alice");
    let (id, password) = lease(&alice, "ops-alice").await;

    // alice holds `lease.*` on ops-*: she may revoke, not force.
    let forced = alice
        .command(
            Operation::LeaseRevoke,
            &json!({ "lease_id": id, "force": true }),
        )
        .await;
    assert_eq!(code(forced), "forbidden");
    app.wait_lease(&id, Duration::from_secs(5), status_is("active"))
        .await;
    assert_eq!(app.sign_in(ALICE, &password).await, SignIn::Accepted);

    // The admin forces it while Graph answers 503/504: the lease closes at once...
    app.emulator.state().set_faults(FaultConfig {
        error_rate: 1.0,
        ..FaultConfig::default()
    });
    let reply = app
        .admin
        .command(
            Operation::LeaseRevoke,
            &json!({ "lease_id": id, "force": true }),
        )
        .await
        .expect("admin force");
    assert_eq!(reply["lease"]["status"], "revoked", "{reply}");
    wait_failed_writes(&app, 1, Duration::from_secs(15)).await;
    // ...and once Graph recovers, the scramble that failed is tried again.
    app.emulator.state().set_faults(FaultConfig::default());
    wait_password_dead(&app, &password, Duration::from_secs(15)).await;
    let confirmed = {
        let mut poll =
            leasehold_testkit::Poll::new(Duration::from_secs(10), Duration::from_millis(50));
        loop {
            let found = events_of(&app, &id, "ForcedRevocationConfirmed").await;
            if !found.is_empty() || !poll.again().await {
                break found;
            }
        }
    };
    assert_eq!(confirmed.len(), 1, "the confirmation is recorded");
    assert!(!events_of(&app, &id, "RevocationAttemptFailed")
        .await
        .is_empty());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bob_cannot_renew_or_revoke_alices_lease_without_a_grant() {
    let server = NatsServer::start().await;
    let app = TestApp::spawn_secured(
        &server,
        EmulatorConfig::default(),
        Components::ALL,
        two_actors(),
    )
    .await;
    app.connect().await;
    app.secrets("ops", &["alice"], "1h", "2h").await;
    let alice = app.client("alice");
    let bob = app.client("bob");
    let (id, password) = lease(&alice, "ops-alice").await;

    let attempts = [
        (
            Operation::LeaseRenew,
            json!({ "lease_id": id, "ttl": "2h" }),
        ),
        (Operation::LeaseRevoke, json!({ "lease_id": id })),
        (Operation::LeaseRevoke, json!({ "secret": "ops-alice" })),
        (
            Operation::LeaseRevoke,
            json!({ "lease_id": id, "force": true }),
        ),
    ];
    for (op, payload) in attempts {
        assert_eq!(
            code(bob.command(op, &payload).await),
            "forbidden",
            "{op} {payload}"
        );
    }
    let lease = app
        .wait_lease(&id, Duration::from_secs(5), status_is("active"))
        .await;
    assert_eq!(lease["renewals"], 0, "{lease}");
    assert_eq!(app.sign_in(ALICE, &password).await, SignIn::Accepted);

    // alice still manages her own lease.
    alice
        .command(
            Operation::LeaseRenew,
            &json!({ "lease_id": id, "ttl": "2h" }),
        )
        .await
        .expect("alice renews");
    alice
        .command(Operation::LeaseRevoke, &json!({ "lease_id": id }))
        .await
        .expect("alice revokes");
    app.wait_lease(&id, Duration::from_secs(15), status_is("revoked"))
        .await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_failing_revocation_completes_one_step_after_graph_recovers_though_the_stream_was_lost(
) {
    let server = NatsServer::start().await;
    let app = TestApp::spawn_secured(
        &server,
        EmulatorConfig::default(),
        NO_WORKER,
        Policy::allow_all(),
    )
    .await;
    let (stop, worker) = start_worker(&app, fast_worker_config()).await;
    app.connect().await;
    app.secrets("ops", &["alice"], "1h", "2h").await;
    let (id, password) = lease(&app.admin, "ops-alice").await;

    // Graph is down; revocation fails over and over (the lease turns `revocation_failing`
    // and its retries reach the cap, as after ten minutes at production's pace).
    app.emulator.state().set_faults(FaultConfig {
        error_rate: 1.0,
        ..FaultConfig::default()
    });
    app.admin
        .command(Operation::LeaseRevoke, &json!({ "lease_id": id }))
        .await
        .expect("revoke");
    wait_failed_writes(&app, 10, Duration::from_secs(60)).await;
    app.wait_lease(&id, Duration::from_secs(10), |l| {
        l["status"] == "revoking" && l["revocation_failing"] == true
    })
    .await;

    // The stuck revocation shows in the metric the alert watches.
    let metrics = leasehold::metrics::render(&app.db.pool)
        .await
        .expect("metrics");
    assert_eq!(
        gauge(&metrics, "leasehold_revocations_pending"),
        1.0,
        "{metrics}"
    );
    assert!(
        gauge(&metrics, "leasehold_revocation_oldest_pending_seconds") > 0.0,
        "{metrics}"
    );

    // An operator (a NATS user with every right; no engine identity may) throws the
    // event stream away (no message is left to redeliver). The stream refuses a purge,
    // so they delete it whole.
    let operator = async_nats::jetstream::new(server.observer().await);
    let stream = operator
        .get_stream(app.engine.subjects.stream_name())
        .await
        .expect("stream");
    assert!(stream.purge().await.is_err(), "the stream denies purges");
    operator
        .delete_stream(app.engine.subjects.stream_name())
        .await
        .expect("delete the stream");

    // Graph recovers: the next attempt, at most one backoff step away, revokes the lease.
    app.emulator.state().set_faults(FaultConfig::default());
    let recovered = std::time::Instant::now();
    wait_password_dead(&app, &password, ONE_STEP + Duration::from_secs(4)).await;
    let took = recovered.elapsed();
    // The relay re-creates the stream and the projector re-attaches, so the read
    // model learns of the revocation too.
    app.wait_lease(&id, Duration::from_secs(30), status_is("revoked"))
        .await;
    assert!(took <= ONE_STEP + Duration::from_secs(4), "{took:?}");
    let metrics = leasehold::metrics::render(&app.db.pool)
        .await
        .expect("metrics");
    assert_eq!(
        gauge(&metrics, "leasehold_revocation_oldest_pending_seconds"),
        0.0
    );
    drop(stop);
    worker.await.expect("worker");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_with_retry_after_one_second_writes_a_bounded_number_of_failure_events() {
    let server = NatsServer::start().await;
    let app = TestApp::spawn_secured(
        &server,
        EmulatorConfig::default(),
        NO_WORKER,
        Policy::allow_all(),
    )
    .await;
    let (stop, worker) = start_worker(&app, fast_worker_config()).await;
    app.connect().await;
    app.secrets("ops", &["alice"], "1h", "2h").await;
    let (id, password) = lease(&app.admin, "ops-alice").await;

    // Every Graph call answers 503 `Retry-After: 1` (or 504).
    app.emulator.state().set_faults(FaultConfig {
        error_rate: 1.0,
        ..FaultConfig::default()
    });
    app.admin
        .command(Operation::LeaseRevoke, &json!({ "lease_id": id }))
        .await
        .expect("revoke");
    const ATTEMPTS: usize = 20;
    wait_failed_writes(&app, ATTEMPTS, Duration::from_secs(90)).await;
    let events = events_of(&app, &id, "RevocationAttemptFailed").await;
    assert!(
        events.len() <= 4,
        "{} failure events for {ATTEMPTS}+ attempts: {events:?}",
        events.len()
    );

    // Nothing is lost by folding: after recovery the history accounts for every attempt.
    app.emulator.state().set_faults(FaultConfig::default());
    wait_password_dead(&app, &password, Duration::from_secs(10)).await;
    app.wait_lease(&id, Duration::from_secs(10), status_is("revoked"))
        .await;
    let failed = failed_password_writes(&app);
    let events = events_of(&app, &id, "RevocationAttemptFailed").await;
    let last = events.last().expect("a failure event");
    assert_eq!(last["attempt"], json!(failed), "{events:?}");
    let represented: u64 = events
        .iter()
        .map(|e| 1 + e["folded"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(represented, failed as u64, "{events:?}");
    drop(stop);
    worker.await.expect("worker");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_workers_revocation_is_confirmed_within_five_seconds_of_its_restart() {
    let key = MasterKey::generate();
    let server = NatsServer::start().await;
    let same_key = MasterKey::from_base64(&key.to_base64(), "test").expect("key");
    let app = TestApp::spawn_secured_custom(
        &server,
        EmulatorConfig::default(),
        NO_WORKER,
        Policy::allow_all(),
        same_key,
        |_| {},
    )
    .await;
    let worker = WorkerProcess::start(&app, &server, &key);
    app.connect().await;
    app.secrets("ops", &["alice"], "1h", "2h").await;
    let (id, password) = lease(&app.admin, "ops-alice").await;

    // Graph is slow; the worker takes the revocation and is SIGKILLed in the middle of it.
    // (The call in flight fails whenever it ends, so only a retry can revoke.)
    app.emulator.state().set_faults(FaultConfig {
        latency: Duration::from_secs(5),
        error_rate: 1.0,
        ..FaultConfig::default()
    });
    app.admin
        .command(Operation::LeaseRevoke, &json!({ "lease_id": id }))
        .await
        .expect("revoke");
    wait_user_locked(&app, Duration::from_secs(15)).await;
    worker.kill().await;
    app.emulator.state().set_faults(FaultConfig::default());
    assert_eq!(
        app.sign_in(ALICE, &password).await,
        SignIn::Accepted,
        "the kill came before the password was changed"
    );

    let restarted = std::time::Instant::now();
    let _worker = WorkerProcess::start(&app, &server, &key);
    wait_password_dead(&app, &password, Duration::from_secs(5)).await;
    app.wait_lease(&id, Duration::from_secs(10), status_is("revoked"))
        .await;
    assert!(
        restarted.elapsed() <= Duration::from_secs(6),
        "{:?}",
        restarted.elapsed()
    );
    app.stop().await;
}
