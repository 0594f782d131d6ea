//! A lease request reads the lease's history once: the existence check (a retried
//! request id may name a lease that exists) is the state the new lease is appended on.

mod helpers;

use helpers::{meta, t0, world};
use leasehold_domain::LeaseStatus;

#[tokio::test]
async fn a_lease_request_loads_the_lease_once() {
    let w = world().await;
    let before = w.commands.leases.loads();
    let done = w
        .commands
        .request_lease(&w.secret, None, &meta("alice", t0()))
        .await
        .expect("request");
    assert_eq!(done.state.status(), Some(LeaseStatus::Requested));
    assert_eq!(w.commands.leases.loads() - before, 1);

    // A retry with the same lease id finds the lease and appends nothing.
    let lease_id = done.state.terms().expect("terms").lease_id;
    let again = w
        .commands
        .request_lease_with_id(&w.secret, lease_id, None, &meta("alice", t0()))
        .await
        .expect("retry");
    assert!(again.events.is_empty());
    assert_eq!(again.state.status(), Some(LeaseStatus::Requested));
}
