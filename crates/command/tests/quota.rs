//! The live-lease count behind `quota_exceeded` comes from the write side.
//!
//! No projector runs here, and the `leases` read model is planted as a lagging projector
//! would leave it (every lease still `active`): the count must follow the events alone.

mod helpers;

use helpers::{meta, t0, world, World};
use leasehold_command::NewSecret;
use leasehold_domain::{
    Actor, ConnectionName, EntraObjectId, LeaseId, RevocationReason, SecretName, Ttl,
    UserPrincipalName,
};
use leasehold_testkit::{OBJECT_ID, PASSWORD, UPN};
use secrecy::SecretString;

async fn secret(w: &World, name: &str) -> SecretName {
    let name = SecretName::parse(name).expect("name");
    w.commands
        .create_secret(
            NewSecret {
                name: name.clone(),
                connection: ConnectionName::parse("contoso").expect("name"),
                user_object_id: EntraObjectId::parse(OBJECT_ID).expect("id"),
                user_principal_name: UserPrincipalName::parse(UPN).expect("upn"),
                display_name: "Alice".into(),
                default_ttl: Ttl::from_secs(3600).expect("ttl"),
                max_ttl: Ttl::from_secs(86_400).expect("ttl"),
                credential_kind: leasehold_domain::CredentialKind::Password,
                tap_bounds: None,
            },
            &meta("admin", t0()),
        )
        .await
        .expect("create secret");
    name
}

async fn lease(w: &World, secret: &SecretName, actor: &str) -> LeaseId {
    let done = w
        .commands
        .request_lease(secret, None, &meta(actor, t0()))
        .await
        .expect("request lease");
    done.state.terms().expect("terms").lease_id
}

/// Writes a `leases` row saying `active` for every lease, as a projector that stopped
/// after the activations would have left it.
async fn plant_lagging_read_model(w: &World) {
    sqlx::query(
        "INSERT INTO leases (lease_id, secret, connection, user_object_id, user_principal_name,
                             status, ttl_secs, issued_at, expires_at, max_expires_at,
                             requested_by, updated_at, last_sequence)
         SELECT aggregate_id, p ->> 'secret', p ->> 'connection', p ->> 'user_object_id',
                p ->> 'user_principal_name', 'active', (p ->> 'ttl')::bigint,
                (p ->> 'issued_at')::timestamptz, (p ->> 'expires_at')::timestamptz,
                (p ->> 'max_expires_at')::timestamptz, p ->> 'requested_by', now(), 2
           FROM (SELECT aggregate_id, payload -> 'LeaseRequested' AS p FROM events
                  WHERE event_type = 'LeaseRequested') requested
         ON CONFLICT (lease_id) DO UPDATE SET status = 'active'",
    )
    .execute(&w.db.pool)
    .await
    .expect("plant read model");
}

async fn live(w: &World, actor: &str) -> i64 {
    let actor = Actor::parse(actor).expect("actor");
    let unlocked = w.commands.store().live_leases(&actor).await.expect("count");
    let mut lock = w.commands.store().lock_quota(&actor).await.expect("lock");
    let locked = lock.live_leases().await.expect("count under the lock");
    lock.release().await;
    assert_eq!(unlocked, locked, "both counts read the same tables");
    locked
}

#[tokio::test]
async fn live_leases_are_requested_active_and_revoking_ones_on_the_write_side() {
    let w = world().await;
    let alice = meta("alice", t0());
    let requested = lease(&w, &w.secret, "alice").await;
    let active = lease(&w, &secret(&w, "ops-b").await, "alice").await;
    w.commands
        .activate_lease(&active, &SecretString::from(PASSWORD), &alice)
        .await
        .expect("activate");
    let revoking = lease(&w, &secret(&w, "ops-c").await, "alice").await;
    w.commands
        .revoke_lease(&revoking, RevocationReason::Manual, false, &alice)
        .await
        .expect("revoke");
    let forced = lease(&w, &secret(&w, "ops-d").await, "alice").await;
    w.commands
        .revoke_lease(&forced, RevocationReason::Manual, true, &alice)
        .await
        .expect("force revoke");
    lease(&w, &secret(&w, "ops-e").await, "bob").await;
    plant_lagging_read_model(&w).await;

    assert_eq!(
        live(&w, "alice").await,
        3,
        "requested, active and revoking count; a forced revocation (scramble pending) does not"
    );
    assert_eq!(
        live(&w, "bob").await,
        1,
        "another actor's leases are not counted"
    );

    w.commands
        .confirm_revocation(&revoking, false, &alice)
        .await
        .expect("confirm");
    assert_eq!(
        live(&w, "alice").await,
        2,
        "a revoked lease stops counting at once"
    );
    w.commands
        .revoke_lease(&active, RevocationReason::Manual, true, &alice)
        .await
        .expect("force revoke");
    assert_eq!(
        live(&w, "alice").await,
        1,
        "a force-revoked lease stops counting"
    );
    w.commands
        .record_activation_failure(
            &requested,
            leasehold_domain::FailureInfo {
                kind: "permanent".into(),
                message: "user not found".into(),
                request_id: None,
            },
            true,
            &alice,
        )
        .await
        .expect("activation fails");
    assert_eq!(
        live(&w, "alice").await,
        0,
        "a failed activation stops counting"
    );
}
