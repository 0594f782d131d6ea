//! Shared set-up for the audit tests: a fresh database with connection `contoso`, secret
//! `ops-alice`, and one lease driven through its whole life by the real command side.

#![allow(dead_code, unused_imports)] // each test binary uses a different part of this module

use leasehold_command::Meta;
use leasehold_domain::{FailureInfo, LeaseId, RevocationReason, Ttl};
use secrecy::SecretString;

pub use leasehold_testkit::{at, t0, world, World, CLIENT_SECRET, PASSWORD, UPN};

/// Metadata for `actor`, `minutes` after t0.
pub fn meta(actor: &str, minutes: i64) -> Meta {
    leasehold_testkit::meta(actor, at(minutes))
}

/// Requested by alice (request id `req-1`) at 0, one failed activation attempt at 1,
/// activated at 2, renewed by 2h at 10 (expires at 130).
pub async fn active_lease(w: &World) -> LeaseId {
    let m = meta("alice", 0).with_request_id(Some("req-1".into()));
    let lease = w
        .commands
        .request_lease(&w.secret, None, &m)
        .await
        .expect("request lease");
    let id = lease.state.terms().expect("terms").lease_id;
    w.commands
        .record_activation_failure(&id, failure(1), false, &meta("system:worker", 1))
        .await
        .expect("activation failure");
    let password = SecretString::from(PASSWORD.to_string());
    w.commands
        .activate_lease(&id, &password, &meta("system:worker", 2))
        .await
        .expect("activate");
    w.commands
        .renew_lease(
            &id,
            Some(Ttl::from_secs(7200).expect("ttl")),
            &meta("alice", 10),
        )
        .await
        .expect("renew");
    id
}

/// Expired by the scheduler at 131, one failed revocation attempt at 132, confirmed at
/// 135 (which destroys the lease's data key and releases the secret).
pub async fn expire(w: &World, id: &LeaseId) {
    w.commands
        .expire_lease(id, &meta("system:scheduler", 131))
        .await
        .expect("expire");
    w.commands
        .record_revocation_failure(id, failure(2), &meta("system:worker", 132))
        .await
        .expect("revocation failure");
    w.commands
        .confirm_revocation(id, false, &meta("system:worker", 135))
        .await
        .expect("confirm");
}

/// Revoked by alice at `minutes`, confirmed by the worker a minute later.
pub async fn revoke(w: &World, id: &LeaseId, minutes: i64) {
    w.commands
        .revoke_lease(id, RevocationReason::Manual, false, &meta("alice", minutes))
        .await
        .expect("revoke");
    w.commands
        .confirm_revocation(id, false, &meta("system:worker", minutes + 1))
        .await
        .expect("confirm");
}

pub fn failure(n: i64) -> FailureInfo {
    FailureInfo {
        kind: "transient".into(),
        message: format!("Graph answered 503 (attempt {n})"),
        request_id: Some(format!("graph-req-{n}")),
    }
}

/// A world whose lease has lived its whole life.
pub async fn finished_world() -> (World, LeaseId) {
    let w = world().await;
    let id = active_lease(&w).await;
    expire(&w, &id).await;
    (w, id)
}
