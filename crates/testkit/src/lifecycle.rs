//! One lease driven through its life by the real command side, a step at a time.

use leasehold_command::{Executed, Meta};
use leasehold_domain::{FailureInfo, Lease, LeaseId, RevocationReason, Ttl};
use secrecy::SecretString;

use crate::{at, meta, World, PASSWORD};

/// One thing that happens to a lease after it is requested.
#[derive(Clone, Copy, Debug)]
pub enum Step {
    /// Activation attempt `n` failed (transient), by the worker.
    FailActivation(i64),
    /// Activated with [`PASSWORD`], by the worker.
    Activate,
    /// Renewed by this many seconds, by alice.
    Renew(u64),
    /// Revoked by hand, by alice.
    Revoke,
    /// Revoked by hand with force (a lease not yet active is released at once), by alice.
    ForceRevoke,
    /// Revocation attempt `n` failed, by the worker.
    FailRevocation(i64),
    /// Revocation confirmed (the user was there), by the worker.
    Confirm,
    /// Expired, by the scheduler.
    Expire,
}

impl Step {
    /// Who takes this step in [`drive`].
    pub fn actor(self) -> &'static str {
        match self {
            Step::Renew(_) | Step::Revoke | Step::ForceRevoke => "alice",
            Step::Expire => "system:scheduler",
            Step::FailActivation(_) | Step::Activate | Step::FailRevocation(_) | Step::Confirm => {
                "system:worker"
            }
        }
    }
}

/// Graph answered 503 to attempt `n`.
pub fn failure(n: i64) -> FailureInfo {
    FailureInfo {
        kind: "transient".into(),
        message: format!("Graph answered 503 (attempt {n})"),
        request_id: Some(format!("graph-req-{n}")),
    }
}

/// Requests a lease on the world's secret with `m`; its id.
pub async fn request(w: &World, m: &Meta) -> LeaseId {
    let lease = w
        .commands
        .request_lease(&w.secret, None, m)
        .await
        .expect("request lease");
    lease.state.terms().expect("terms").lease_id
}

/// Takes `step` on lease `id` with `m`.
pub async fn perform(w: &World, id: &LeaseId, step: Step, m: &Meta) -> Executed<Lease> {
    let c = &w.commands;
    let done = match step {
        Step::FailActivation(n) => c.record_activation_failure(id, failure(n), false, m).await,
        Step::Activate => {
            let password = SecretString::from(PASSWORD.to_string());
            c.activate_lease(id, &password, m).await
        }
        Step::Renew(secs) => {
            let increment = Some(Ttl::from_secs(secs).expect("ttl"));
            c.renew_lease(id, increment, m).await
        }
        Step::Revoke => c.revoke_lease(id, RevocationReason::Manual, false, m).await,
        Step::ForceRevoke => c.revoke_lease(id, RevocationReason::Manual, true, m).await,
        Step::FailRevocation(n) => c.record_revocation_failure(id, failure(n), m).await,
        Step::Confirm => c.confirm_revocation(id, false, m).await,
        Step::Expire => c.expire_lease(id, m).await,
    };
    done.unwrap_or_else(|e| panic!("{step:?}: {e}"))
}

/// Takes each `(minutes, step)` in turn, by the step's own actor, `minutes` after t0.
pub async fn drive(w: &World, id: &LeaseId, steps: &[(i64, Step)]) {
    for &(minutes, step) in steps {
        perform(w, id, step, &meta(step.actor(), at(minutes))).await;
    }
}

/// A lease requested by alice at t0 (request id `req-1`), then driven through `steps`.
pub async fn lease(w: &World, steps: &[(i64, Step)]) -> LeaseId {
    let m = meta("alice", at(0)).with_request_id(Some("req-1".into()));
    let id = request(w, &m).await;
    drive(w, &id, steps).await;
    id
}

/// A lease requested and activated, both with `m`.
pub async fn active(w: &World, m: &Meta) -> LeaseId {
    let id = request(w, m).await;
    perform(w, &id, Step::Activate, m).await;
    id
}

/// A lease requested and at once revoked with force, both with `m`: the secret's stream
/// gains a reservation and a release.
pub async fn released(w: &World, m: &Meta) -> LeaseId {
    let id = request(w, m).await;
    perform(w, &id, Step::ForceRevoke, m).await;
    id
}
