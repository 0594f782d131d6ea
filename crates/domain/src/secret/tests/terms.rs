//! The terms a lease gets from its reservation.

use cqrs_es::Aggregate;

use super::*;
use crate::test_support::actor;
use crate::LeaseTerms;

fn reserved_secret() -> DynamicSecret {
    let mut secret = DynamicSecret::default();
    secret.apply(created());
    secret.apply(SecretEvent::LeaseReserved {
        lease_id: lease_id(1),
        ttl: ttl(900),
        issued_at: at(10),
        expires_at: at(910),
        max_expires_at: at(10 + DAY as i64),
    });
    secret
}

fn expected() -> LeaseTerms {
    LeaseTerms {
        lease_id: lease_id(1),
        secret: secret_name("db-admin"),
        connection: connection_name("contoso"),
        user_object_id: user_id(),
        user_principal_name: upn(),
        default_ttl: ttl(HOUR),
        ttl: ttl(900),
        issued_at: at(10),
        expires_at: at(910),
        max_expires_at: at(10 + DAY as i64),
        requested_by: actor(),
        request_id: Some("req-1".into()),
        credential_kind: CredentialKind::Password,
    }
}

#[test]
fn terms_are_the_reservation_and_the_definition() {
    let terms = reserved_secret().lease_terms(lease_id(1), actor(), Some("req-1".into()));
    assert_eq!(terms, Some(expected()));
}

#[test]
fn terms_keep_the_reserved_limit_after_the_max_ttl_changed() {
    let mut secret = reserved_secret();
    secret.apply(SecretEvent::SecretUpdated {
        default_ttl: ttl(HOUR),
        max_ttl: ttl(2 * HOUR),
        connection: connection_name("contoso"),
        updated_at: at(20),
    });
    let terms = secret
        .lease_terms(lease_id(1), actor(), Some("req-1".into()))
        .expect("terms of the live lease");
    assert_eq!(terms.max_expires_at, at(10 + DAY as i64));
}

#[test]
fn no_terms_for_a_lease_not_holding_the_slot() {
    let secret = reserved_secret();
    assert_eq!(secret.lease_terms(lease_id(2), actor(), None), None);
    let mut released_secret = secret;
    released_secret.apply(released(1, 60));
    assert_eq!(
        released_secret.lease_terms(lease_id(1), actor(), None),
        None
    );
    assert_eq!(
        DynamicSecret::default().lease_terms(lease_id(1), actor(), None),
        None
    );
}

#[test]
fn snapshot_without_reserved_ttl_gives_the_same_terms() {
    let mut snapshot = serde_json::to_value(reserved_secret()).expect("state serializes");
    let live = snapshot["live_lease"]
        .as_object_mut()
        .expect("live lease in the snapshot");
    live.remove("ttl");
    live.remove("max_expires_at");
    let old: DynamicSecret = serde_json::from_value(snapshot).expect("old snapshot loads");
    let terms = old.lease_terms(lease_id(1), actor(), Some("req-1".into()));
    assert_eq!(terms, Some(expected()));
}
