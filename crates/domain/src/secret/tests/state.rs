use cqrs_es::{Aggregate, DomainEvent};

use super::*;

#[test]
fn state_reflects_events() {
    let mut secret = DynamicSecret::default();
    assert!(secret.definition().is_none());
    secret.apply(created());
    secret.apply(SecretEvent::SecretUpdated {
        default_ttl: ttl(60),
        max_ttl: ttl(120),
        connection: connection_name("fabrikam"),
        updated_at: at(3),
    });
    secret.apply(reserved(1, 10));
    let definition = secret.definition().unwrap();
    assert_eq!(definition.default_ttl, ttl(60));
    assert_eq!(definition.max_ttl, ttl(120));
    assert_eq!(definition.connection, connection_name("fabrikam"));
    assert_eq!(definition.updated_at, Some(at(3)));
    let live = secret.live_lease().unwrap();
    assert_eq!((live.lease_id, live.reserved_at), (lease_id(1), at(10)));
    secret.apply(deleted(Some(1)));
    assert!(secret.is_deleted());
    assert!(secret.live_lease().is_some());
    secret.apply(released(1, 60));
    assert!(secret.live_lease().is_none());
}

#[test]
fn events_round_trip_and_are_named_after_variants() {
    let events = [
        (created(), "SecretCreated"),
        (
            SecretEvent::SecretUpdated {
                default_ttl: ttl(60),
                max_ttl: ttl(120),
                connection: connection_name("fabrikam"),
                updated_at: at(3),
            },
            "SecretUpdated",
        ),
        (deleted(Some(1)), "SecretDeleted"),
        (reserved(1, 10), "LeaseReserved"),
        (released(1, 20), "LeaseReleased"),
    ];
    for (event, name) in events {
        assert_eq!(event.event_type(), name);
        assert_eq!(event.event_version(), "1");
        let json = serde_json::to_value(&event).unwrap();
        assert!(json.get(name).is_some(), "externally tagged: {json}");
        assert_eq!(serde_json::from_value::<SecretEvent>(json).unwrap(), event);
    }
    assert_eq!(DynamicSecret::TYPE, "DynamicSecret");
    assert_eq!(
        serde_json::to_value(CredentialKind::Password).unwrap(),
        "password"
    );
    assert_eq!(
        serde_json::to_value(ReleaseReason::Orphaned).unwrap(),
        "orphaned"
    );
}

#[test]
fn lease_conflict_message_says_what_to_do() {
    let err = SecretError::LeaseConflict {
        lease_id: lease_id(1),
        expires_at: at(0),
    };
    let message = err.to_string();
    assert!(message.contains(&lease_id(1).to_string()), "{message}");
    assert!(message.contains("2025-01-01T12:00:00Z"), "{message}");
    assert!(message.contains("revoke it or wait"), "{message}");
}
