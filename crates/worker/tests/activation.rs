//! Activation: the leased password is set in Entra exactly once per lease, whatever the
//! worker sees twice, crashes through, or has to retry.

mod helpers;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use entra_emulator::FaultConfig;
use helpers::*;
use leasehold_domain::LeaseStatus;
use leasehold_relay::fetch_unpublished;
use leasehold_worker::{Outcome, WorkerConfig};

fn is_active(lease: &leasehold_domain::Lease) -> bool {
    lease.status() == Some(LeaseStatus::Active)
}

fn count(history: &[String], event_type: &str) -> usize {
    history.iter().filter(|t| *t == event_type).count()
}

/// Password PATCHes the emulator answered.
fn password_writes(w: &World) -> usize {
    w.emu
        .state()
        .request_log()
        .iter()
        .filter(|r| r.method == "PATCH" && r.path.starts_with("/v1.0/users/"))
        .count()
}

#[tokio::test]
async fn a_requested_lease_becomes_active_with_a_password_that_signs_in() {
    let mut w = world().await;
    let lease = w.request_lease().await;

    let state = w.drive_until(lease, "activation", is_active).await;

    assert_eq!(state.status(), Some(LeaseStatus::Active));
    let password = w.password(lease).await;
    w.assert_signs_in(&password).await;
    let activated = w.events_of(lease, "LeaseActivated").await;
    assert_eq!(activated.len(), 1);
    let history = w.commands.leases.history(&lease).await.expect("history");
    let last = history.last().expect("an event");
    assert_eq!(
        last.metadata.get("actor").map(String::as_str),
        Some("system:worker")
    );
    w.cleanup().await;
}

#[tokio::test]
async fn the_same_lease_requested_twice_at_once_activates_once() {
    let mut w = world().await;
    let lease = w.request_lease().await;
    // Publish LeaseRequested normally, plus a copy without a de-duplication id, so the
    // worker gets both in one batch and handles them concurrently.
    let rows = fetch_unpublished(&w.db.pool, 100).await.expect("outbox");
    let requested = rows
        .iter()
        .find(|r| r.message.event_type == "LeaseRequested")
        .expect("LeaseRequested in the outbox")
        .message
        .clone();
    w.publish().await;
    let subject = w
        .subjects
        .event("Lease", &requested.aggregate_id, "LeaseRequested");
    let body = serde_json::to_vec(&requested).expect("encode");
    w.js.publish(subject.clone(), body.clone().into())
        .await
        .expect("publish duplicate")
        .await
        .expect("duplicate stored");

    // Both copies in one batch of the activation consumer.
    assert_eq!(
        w.worker.try_process_next().await.expect("step"),
        Outcome::Processed(2)
    );
    assert!(is_active(&w.lease(lease).await));
    // Serialised on the user: the second copy found the lease active and left Graph alone.
    assert_eq!(password_writes(&w), 1);
    w.settle().await;
    // And once more, after the fact: a late redelivery finds the lease active.
    w.js.publish(subject, body.into())
        .await
        .expect("publish")
        .await
        .expect("stored");
    w.settle().await;

    let history = w.history(lease).await;
    assert_eq!(count(&history, "LeaseActivated"), 1, "{history:?}");
    assert_eq!(count(&history, "ActivationAttemptFailed"), 0, "{history:?}");
    assert_eq!(password_writes(&w), 1);
    let password = w.password(lease).await;
    w.assert_signs_in(&password).await;
    w.cleanup().await;
}

#[tokio::test]
async fn a_crash_between_graph_and_the_append_is_redelivered_and_activates_once() {
    let crash = Arc::new(AtomicBool::new(true));
    let config = WorkerConfig {
        crash_after_graph: Some(crash.clone()),
        ..test_config()
    };
    let mut w = world_with(config).await;
    let lease = w.request_lease().await;
    w.publish().await;

    let first = w.worker.try_process_next().await;
    assert!(first.is_err(), "the first attempt crashes: {first:?}");
    assert!(!crash.load(Ordering::SeqCst), "the hook fired");
    assert_eq!(w.lease(lease).await.status(), Some(LeaseStatus::Requested));

    // The message was neither acked nor nakked: JetStream redelivers it after ack_wait.
    let state = w
        .drive_until(lease, "activation after redelivery", is_active)
        .await;

    assert_eq!(count(&w.history(lease).await, "LeaseActivated"), 1);
    assert_eq!(
        password_writes(&w),
        2,
        "the crashed write, then the recorded one"
    );
    assert_eq!(
        state.activation_attempts(),
        0,
        "a crash is not a failed attempt"
    );
    let password = w.password(lease).await;
    w.assert_signs_in(&password).await;
    w.cleanup().await;
}

#[tokio::test]
async fn transient_graph_failures_are_recorded_and_retried_until_activation() {
    let mut w = world().await;
    w.emu.state().set_faults(FaultConfig {
        error_rate: 1.0,
        ..FaultConfig::default()
    });
    let lease = w.request_lease().await;

    w.drive_until(lease, "a failed activation attempt", |l| {
        l.activation_attempts() >= 1
    })
    .await;
    w.emu.state().set_faults(FaultConfig::default());
    let state = w.drive_until(lease, "activation", is_active).await;

    let failures = w.events_of(lease, "ActivationAttemptFailed").await;
    assert!(!failures.is_empty());
    let kind = failures[0]["error"]["kind"].as_str().expect("kind");
    assert!(kind == "throttled" || kind == "transient", "{kind}");
    assert!(
        failures[0]["error"]["request_id"].is_string(),
        "{}",
        failures[0]
    );
    assert!(state.activation_attempts() >= 1);
    let password = w.password(lease).await;
    w.assert_signs_in(&password).await;
    w.cleanup().await;
}

#[tokio::test]
async fn a_permanent_failure_ends_the_lease_and_frees_the_secret() {
    let mut w = world().await;
    let lease = w.request_lease().await;
    w.emu
        .state()
        .delete_user(TENANT, ALICE)
        .expect("delete alice");

    let state = w
        .drive_until(lease, "activation failure", |l| {
            l.status() == Some(LeaseStatus::ActivationFailed)
        })
        .await;

    assert_eq!(state.activation_attempts(), 1, "permanent: no retries");
    let failures = w.events_of(lease, "ActivationAttemptFailed").await;
    assert_eq!(failures[0]["error"]["kind"], "not_found");
    let secret = w.commands.secrets.load(&w.secret).await.expect("secret");
    assert!(secret.live_lease().is_none(), "the slot was released");
    w.cleanup().await;
}

/// Waits until some session holds the advisory lock of `user` (the worker is inside the
/// activation's critical section).
async fn wait_for_user_lock(pool: &sqlx::PgPool, user: &str) {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let held: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted
               AND objid::text::bigint = (hashtext('leasehold.user:' || $1)::bigint & 4294967295))",
        )
        .bind(user)
        .fetch_one(pool)
        .await
        .expect("pg_locks");
        if held {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the worker never took the user lock"
        );
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn a_revocation_landing_during_activation_leaves_no_working_password() {
    let mut w = world().await;
    let lease = w.request_lease().await;
    w.publish().await;
    // Slow Graph down so the revocation lands while the password is being set.
    w.emu.state().set_faults(FaultConfig {
        latency: std::time::Duration::from_millis(800),
        ..FaultConfig::default()
    });
    let (commands, pool, alice) = (w.commands.clone(), w.db.pool.clone(), w.alice_id.clone());
    let revoke = async {
        wait_for_user_lock(&pool, &alice).await;
        commands
            .revoke_lease(
                &lease,
                leasehold_domain::RevocationReason::Manual,
                false,
                &meta("admin"),
            )
            .await
            .expect("revoke")
    };

    let (step, _) = tokio::join!(w.worker.try_process_next(), revoke);
    step.expect("worker step");
    w.emu.state().set_faults(FaultConfig::default());
    w.drive_until(lease, "revocation", |l| {
        l.status() == Some(LeaseStatus::Revoked)
    })
    .await;
    w.settle().await;

    let history = w.history(lease).await;
    assert_eq!(count(&history, "LeaseActivated"), 0, "{history:?}");
    // Either the activation set its password, then scrambled it at once, and the
    // revocation scrambled again (3 writes), or the activation saw the revocation under
    // the user lock before writing and only the revocation's scramble was sent (1).
    let writes = password_writes(&w);
    assert!(matches!(writes, 1 | 3), "{writes} password writes");
    assert_eq!(
        w.emu
            .state()
            .password_matches(TENANT, ALICE, entra_emulator::DEMO_USER_PASSWORD),
        Some(false)
    );
    w.cleanup().await;
}
