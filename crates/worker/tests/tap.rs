//! Temporary Access Pass leases in the worker: activation creates one pass (a crash
//! between Graph and the append, then the redelivery, still leaves one pass: the one
//! recorded), revocation deletes it and revokes the sessions, and a pass Entra already
//! expired is recorded as gone, not as a failure.

mod helpers;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use entra_emulator::DEMO_TENANT_ID;
use helpers::*;
use leasehold_command::NewSecret;
use leasehold_domain::{
    ConnectionName, CredentialKind, EntraObjectId, LeaseId, LeaseStatus, SecretName, TapBounds,
    Ttl, UserPrincipalName,
};
use leasehold_worker::WorkerConfig;
use secrecy::ExposeSecret;

const BOB: &str = "bob@contoso.onmicrosoft.com";

/// Bob's pass secret `tap-bob` (1 h leases, bounds of the emulator's default policy),
/// and a lease on it.
async fn tap_lease(w: &World) -> LeaseId {
    let bob = w.emu.state().user(DEMO_TENANT_ID, BOB).expect("bob");
    let secret = SecretName::parse("tap-bob").expect("name");
    w.commands
        .create_secret(
            NewSecret {
                name: secret.clone(),
                connection: ConnectionName::parse("contoso").expect("name"),
                user_object_id: EntraObjectId::parse(&bob.id.to_string()).expect("id"),
                user_principal_name: UserPrincipalName::parse(BOB).expect("upn"),
                display_name: "Bob Baker".into(),
                default_ttl: Ttl::from_secs(3600).expect("ttl"),
                max_ttl: Ttl::from_secs(8 * 3600).expect("ttl"),
                credential_kind: CredentialKind::TemporaryAccessPass { usable_once: false },
                tap_bounds: Some(TapBounds {
                    min_minutes: 60,
                    max_minutes: 480,
                }),
            },
            &meta("admin"),
        )
        .await
        .expect("create secret");
    w.commands
        .request_lease(&secret, None, &meta("requester"))
        .await
        .expect("request lease")
        .state
        .terms()
        .expect("terms")
        .lease_id
}

fn is_active(lease: &leasehold_domain::Lease) -> bool {
    lease.status() == Some(LeaseStatus::Active)
}

fn is_revoked(lease: &leasehold_domain::Lease) -> bool {
    lease.status() == Some(LeaseStatus::Revoked)
}

fn pass_creates(w: &World) -> usize {
    w.emu
        .state()
        .request_log()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/temporaryAccessPassMethods"))
        .count()
}

#[tokio::test]
async fn a_crash_after_the_pass_is_created_still_leaves_one_pass_the_recorded_one() {
    let crash = Arc::new(AtomicBool::new(true));
    let config = WorkerConfig {
        crash_after_graph: Some(crash.clone()),
        ..test_config()
    };
    let mut w = world_with(config).await;
    let lease = tap_lease(&w).await;
    w.publish().await;
    assert!(
        w.worker.try_process_next().await.is_err(),
        "the first attempt crashes"
    );
    assert!(!crash.load(Ordering::SeqCst), "the hook fired");

    w.drive_until(lease, "activation after redelivery", is_active)
        .await;
    assert_eq!(
        pass_creates(&w),
        2,
        "the crashed create, then the recorded one"
    );
    let pass = w.password(lease).await;
    assert_eq!(
        w.emu
            .state()
            .tap_matches(DEMO_TENANT_ID, BOB, pass.expose_secret()),
        Some(true),
        "the user's one pass is the recorded one"
    );
    assert_eq!(w.events_of(lease, "LeaseActivated").await.len(), 1);
    w.cleanup().await;
}

#[tokio::test]
async fn revocation_deletes_the_pass_and_records_one_entra_expired_as_gone() {
    let mut w = world().await;
    let live = tap_lease(&w).await;
    w.drive_until(live, "activation", is_active).await;
    w.revoke(live, false).await;
    w.drive_until(live, "revocation", is_revoked).await;
    assert_eq!(w.emu.state().tap_expires_at(DEMO_TENANT_ID, BOB), None);
    let revoked = w.events_of(live, "LeaseRevoked").await;
    assert_eq!(revoked[0].get("credential_gone"), None, "{revoked:?}");

    let expired = w
        .commands
        .request_lease(
            &SecretName::parse("tap-bob").expect("name"),
            None,
            &meta("requester"),
        )
        .await
        .expect("request lease")
        .state
        .terms()
        .expect("terms")
        .lease_id;
    w.drive_until(expired, "activation", is_active).await;
    // Entra's clock passes the pass's lifetime before leasehold revokes.
    w.emu.state().advance_clock(Duration::from_secs(3601));
    w.revoke(expired, false).await;
    let state = w.drive_until(expired, "revocation", is_revoked).await;
    assert!(state.credential_gone());
    assert_eq!(state.revocation_attempts(), 0, "no failure on the way");
    assert_eq!(
        w.events_of(expired, "LeaseRevoked").await[0]["credential_gone"],
        true
    );
    assert_eq!(w.emu.state().tap_expires_at(DEMO_TENANT_ID, BOB), None);
    w.cleanup().await;
}
