//! Drives one lease through its whole life with the real command side.

use leasehold_domain::LeaseId;
use leasehold_testkit::lifecycle::{self, Step};

pub use leasehold_testkit::lifecycle::failure;

use super::World;

/// Requests a lease for `alice` on the world's secret at 0 and activates it at 1.
pub async fn active_lease(w: &World) -> LeaseId {
    lifecycle::lease(w, &[(1, Step::Activate)]).await
}

/// Renews by 2h at 10, revokes at 20, fails revocation at 21, 22 and 23, then confirms
/// it at 30.
pub async fn finish(w: &World, id: &LeaseId) {
    let steps = [
        (10, Step::Renew(7200)),
        (20, Step::Revoke),
        (21, Step::FailRevocation(1)),
        (22, Step::FailRevocation(2)),
        (23, Step::FailRevocation(3)),
        (30, Step::Confirm),
    ];
    lifecycle::drive(w, id, &steps).await;
}
