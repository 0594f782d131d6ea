//! Shared set-up for the audit tests: a fresh database with connection `contoso`, secret
//! `ops-alice`, and one lease driven through its whole life by the real command side.

#![allow(dead_code, unused_imports)] // each test binary uses a different part of this module

use leasehold_command::Meta;
use leasehold_domain::LeaseId;
use leasehold_testkit::lifecycle::{self, Step};

pub use leasehold_testkit::lifecycle::failure;
pub use leasehold_testkit::{at, t0, world, World, CLIENT_SECRET, PASSWORD, UPN};

/// Metadata for `actor`, `minutes` after t0.
pub fn meta(actor: &str, minutes: i64) -> Meta {
    leasehold_testkit::meta(actor, at(minutes))
}

/// Requested by alice (request id `req-1`) at 0, one failed activation attempt at 1,
/// activated at 2, renewed by 2h at 10 (expires at 130).
pub async fn active_lease(w: &World) -> LeaseId {
    let steps = [
        (1, Step::FailActivation(1)),
        (2, Step::Activate),
        (10, Step::Renew(7200)),
    ];
    lifecycle::lease(w, &steps).await
}

/// Expired by the scheduler at 131, one failed revocation attempt at 132, confirmed at
/// 135 (which destroys the lease's data key and releases the secret).
pub async fn expire(w: &World, id: &LeaseId) {
    let steps = [
        (131, Step::Expire),
        (132, Step::FailRevocation(2)),
        (135, Step::Confirm),
    ];
    lifecycle::drive(w, id, &steps).await;
}

/// Revoked by alice at `minutes`, confirmed by the worker a minute later.
pub async fn revoke(w: &World, id: &LeaseId, minutes: i64) {
    lifecycle::drive(
        w,
        id,
        &[(minutes, Step::Revoke), (minutes + 1, Step::Confirm)],
    )
    .await;
}

/// A world whose lease has lived its whole life.
pub async fn finished_world() -> (World, LeaseId) {
    let w = world().await;
    let id = active_lease(&w).await;
    expire(&w, &id).await;
    (w, id)
}
