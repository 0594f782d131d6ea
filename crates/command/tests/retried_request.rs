//! A request retried after a crash between reserving the secret and recording the lease
//! gets exactly the terms reserved the first time.

mod helpers;

use chrono::Duration;
use helpers::{meta, t0, world};
use leasehold_domain::{LeaseId, SecretCommand, Ttl};

#[tokio::test]
async fn a_retried_request_gets_the_terms_of_its_reservation() {
    let w = world().await;
    let lease_id = LeaseId::from_uuid(uuid::Uuid::now_v7()).expect("v7");
    let first = meta("alice", t0()).with_request_id(Some("req-1".into()));
    w.commands
        .secrets
        .execute(
            &w.secret,
            SecretCommand::ReserveLease {
                lease_id,
                ttl: Some(Ttl::from_secs(900).expect("ttl")),
                at: t0(),
            },
            &first,
        )
        .await
        .expect("reserve, then crash");
    // Meanwhile the secret's limits change; the reservation's terms must not.
    w.commands
        .update_secret(
            &w.secret,
            Some(Ttl::from_secs(600).expect("ttl")),
            Some(Ttl::from_secs(1200).expect("ttl")),
            None,
            &meta("admin", t0()),
        )
        .await
        .expect("update secret");
    let retry = meta("alice", t0() + Duration::seconds(5)).with_request_id(Some("req-1".into()));
    let done = w
        .commands
        .request_lease_with_id(&w.secret, lease_id, None, &retry)
        .await
        .expect("retried request");
    let terms = done.state.terms().expect("terms");
    assert_eq!(terms.lease_id, lease_id);
    assert_eq!(terms.ttl, Ttl::from_secs(900).expect("ttl"));
    assert_eq!(terms.issued_at, t0());
    assert_eq!(terms.expires_at, t0() + Duration::seconds(900));
    assert_eq!(
        terms.max_expires_at,
        t0() + Duration::seconds(86_400),
        "the renewal limit reserved under the old max TTL"
    );
    assert_eq!(terms.request_id.as_deref(), Some("req-1"));
}
