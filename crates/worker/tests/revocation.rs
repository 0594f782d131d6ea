//! Revocation: after it, no credential of the lease is alive, and it never gives up.

mod helpers;

use entra_emulator::FaultConfig;
use helpers::*;
use leasehold_domain::{Lease, LeaseId, LeaseStatus, REVOCATION_FAILING_AFTER};

fn is_active(lease: &Lease) -> bool {
    lease.status() == Some(LeaseStatus::Active)
}

fn is_revoked(lease: &Lease) -> bool {
    lease.status() == Some(LeaseStatus::Revoked)
}

/// A world with an active lease on alice.
async fn active_lease() -> (World, LeaseId) {
    let mut w = world().await;
    let lease = w.request_lease().await;
    w.drive_until(lease, "activation", is_active).await;
    (w, lease)
}

#[tokio::test]
async fn revocation_kills_the_password_and_the_sessions_and_shreds_the_key() {
    let (mut w, lease) = active_lease().await;
    let password = w.password(lease).await;
    w.assert_signs_in(&password).await;
    let key_id = w
        .lease(lease)
        .await
        .credential()
        .expect("sealed")
        .key_id
        .clone();
    let sessions_before = w
        .emu
        .state()
        .user(TENANT, ALICE)
        .expect("alice")
        .sign_in_sessions_valid_from;

    w.revoke(lease, false).await;
    let state = w.drive_until(lease, "revocation", is_revoked).await;

    assert!(!state.revoked_forced() && !state.user_missing());
    w.assert_refused(&password).await;
    let sessions_after = w
        .emu
        .state()
        .user(TENANT, ALICE)
        .expect("alice")
        .sign_in_sessions_valid_from;
    assert!(
        sessions_after > sessions_before,
        "{sessions_before} -> {sessions_after}"
    );
    assert!(
        w.commands.keys().load(&key_id).await.is_err(),
        "data key destroyed"
    );
    assert!(w.commands.lease_credential(&lease).await.is_err());
    let secret = w.commands.secrets.load(&w.secret).await.expect("secret");
    assert!(secret.live_lease().is_none(), "the slot was released");
    w.cleanup().await;
}

#[tokio::test]
async fn failing_revocations_are_recorded_flagged_and_retried_until_revoked() {
    let (mut w, lease) = active_lease().await;
    let password = w.password(lease).await;
    w.emu.state().set_faults(FaultConfig {
        error_rate: 1.0,
        ..FaultConfig::default()
    });

    w.revoke(lease, false).await;
    let failing = w
        .drive_until(lease, "revocation_failing", Lease::revocation_failing)
        .await;
    assert_eq!(failing.status(), Some(LeaseStatus::Revoking));
    let failures = w.events_of(lease, "RevocationAttemptFailed").await;
    // Throttled attempts (503 with Retry-After) are recorded but do not count: the lease
    // turns failing at exactly the REVOCATION_FAILING_AFTER-th counted failure. Failures
    // of one outage may be folded: an event stands for `1 + folded` attempts, of which
    // `folded_throttled` (and the event's own, when throttled) were throttled.
    let counted_by = |f: &serde_json::Value| {
        let own = u64::from(f["error"]["kind"] != "throttled");
        own + f["folded"].as_u64().unwrap_or(0) - f["folded_throttled"].as_u64().unwrap_or(0)
    };
    let first_failing = failures
        .iter()
        .position(|f| f["failing"] == true)
        .expect("a failing attempt");
    let counted: u64 = failures[..=first_failing].iter().map(counted_by).sum();
    let before: u64 = failures[..first_failing].iter().map(counted_by).sum();
    assert!(
        before < u64::from(REVOCATION_FAILING_AFTER)
            && counted >= u64::from(REVOCATION_FAILING_AFTER),
        "{failures:?}"
    );
    assert!(failures[0]["error"]["kind"].is_string());

    w.emu.state().set_faults(FaultConfig::default());
    let state = w.drive_until(lease, "revocation", is_revoked).await;

    assert!(!state.revocation_failing());
    w.assert_refused(&password).await;
    w.cleanup().await;
}

#[tokio::test]
async fn a_deleted_user_counts_as_revoked() {
    let (mut w, lease) = active_lease().await;
    w.emu
        .state()
        .delete_user(TENANT, ALICE)
        .expect("delete alice");

    w.revoke(lease, false).await;
    let state = w.drive_until(lease, "revocation", is_revoked).await;

    assert!(state.user_missing());
    assert!(w
        .events_of(lease, "RevocationAttemptFailed")
        .await
        .is_empty());
    w.cleanup().await;
}

#[tokio::test]
async fn a_forced_revocation_still_scrambles_the_password() {
    let (mut w, lease) = active_lease().await;
    let password = w.password(lease).await;

    w.revoke(lease, true).await;
    assert!(is_revoked(&w.lease(lease).await), "forced: revoked at once");
    w.settle().await;

    w.assert_refused(&password).await;
    w.cleanup().await;
}

#[tokio::test]
async fn a_forced_revocation_leaves_the_next_lease_alone() {
    let (mut w, first) = active_lease().await;
    w.revoke(first, true).await;
    // The next lease is requested and activated before the worker sees the forced event.
    let second = w.request_lease().await;
    w.drive_until(second, "activation of the next lease", is_active)
        .await;
    w.settle().await;

    let password = w.password(second).await;
    w.assert_signs_in(&password).await;
    w.cleanup().await;
}

#[tokio::test]
async fn revoking_a_lease_before_activation_leaves_no_working_password() {
    let mut w = world().await;
    let lease = w.request_lease().await;
    w.revoke(lease, false).await;

    let state = w.drive_until(lease, "revocation", is_revoked).await;
    w.settle().await;

    assert!(w.events_of(lease, "LeaseActivated").await.is_empty());
    assert!(!state.user_missing());
    let alice = w.emu.state().user(TENANT, ALICE).expect("alice");
    assert!(alice.password_hash.is_some());
    assert_eq!(
        w.emu
            .state()
            .password_matches(TENANT, ALICE, entra_emulator::DEMO_USER_PASSWORD),
        Some(false),
        "the old password was replaced by one nobody knows"
    );
    w.cleanup().await;
}
