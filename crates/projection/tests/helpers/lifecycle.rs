//! Drives one lease through its whole life with the real command side.

use leasehold_domain::{FailureInfo, LeaseId, RevocationReason, Ttl};
use secrecy::SecretString;

use super::{at, meta, World, PASSWORD};

/// Requests and activates a lease for `alice` on the world's secret.
pub async fn active_lease(w: &World) -> LeaseId {
    let m = meta("alice", at(0)).with_request_id(Some("req-1".into()));
    let lease = w
        .commands
        .request_lease(&w.secret, None, &m)
        .await
        .expect("request lease");
    let id = lease.state.terms().expect("terms").lease_id;
    let password = SecretString::from(PASSWORD.to_string());
    w.commands
        .activate_lease(&id, &password, &meta("system:worker", at(1)))
        .await
        .expect("activate");
    id
}

/// Renews, starts revocation, fails revocation three times, then confirms it.
pub async fn finish(w: &World, id: &LeaseId) {
    w.commands
        .renew_lease(
            id,
            Some(Ttl::from_secs(7200).expect("ttl")),
            &meta("alice", at(10)),
        )
        .await
        .expect("renew");
    w.commands
        .revoke_lease(id, RevocationReason::Manual, false, &meta("alice", at(20)))
        .await
        .expect("revoke");
    for n in 1..=3 {
        w.commands
            .record_revocation_failure(id, failure(n), &meta("system:worker", at(20 + n)))
            .await
            .expect("record failure");
    }
    w.commands
        .confirm_revocation(id, false, &meta("system:worker", at(30)))
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
