use cqrs_es::{Aggregate, DomainEvent};

use super::*;

fn replay(events: Vec<LeaseEvent>) -> Lease {
    let mut lease = Lease::default();
    for event in events {
        lease.apply(event);
    }
    lease
}

#[test]
fn fresh_lease_has_no_facts() {
    let lease = Lease::default();
    assert_eq!(lease.status(), None);
    assert!(!lease.is_live());
    assert!(lease.secret().is_none() && lease.expires_at().is_none());
}

#[test]
fn getters_expose_terms() {
    let lease = replay(vec![requested()]);
    assert_eq!(lease.status(), Some(LeaseStatus::Requested));
    assert_eq!(lease.secret(), Some(&secret_name("db-admin")));
    assert_eq!(lease.connection(), Some(&connection_name("contoso")));
    assert_eq!(lease.user_object_id(), Some(&user_id()));
    assert_eq!(lease.user_principal_name(), Some(&upn()));
    assert_eq!(lease.issued_at(), Some(at(0)));
    assert_eq!(lease.expires_at(), Some(at(HOUR)));
    assert_eq!(lease.max_expires_at(), Some(at(DAY)));
    assert_eq!(lease.requested_by(), Some(&actor()));
    assert_eq!(lease.request_id(), Some("req-1"));
    assert_eq!(lease.terms().map(|t| t.lease_id), Some(lease_id(1)));
    assert!(lease.credential().is_none());
}

#[test]
fn credential_is_visible_only_while_active() {
    assert_eq!(
        replay(history(LeaseStatus::Active)).credential(),
        Some(&sealed("pw"))
    );
    for status in [LeaseStatus::Revoking, LeaseStatus::Revoked] {
        assert!(replay(history(status)).credential().is_none(), "{status}");
    }
}

#[test]
fn liveness_by_status() {
    for status in ALL_STATUSES {
        let lease = replay(history(status));
        assert_eq!(lease.status(), Some(status));
        let live = matches!(
            status,
            LeaseStatus::Requested | LeaseStatus::Active | LeaseStatus::Revoking
        );
        assert_eq!(lease.is_live(), live, "{status}");
    }
}

#[test]
fn counters_and_flags() {
    let mut events = history(LeaseStatus::Active);
    events.push(LeaseEvent::LeaseRenewed {
        expires_at: at(2 * HOUR),
        capped: false,
        renewed_at: at(HOUR - 1),
    });
    events.push(revocation_requested(RevocationReason::Manual, 100));
    for attempt in 1..=REVOCATION_FAILING_AFTER {
        events.push(LeaseEvent::RevocationAttemptFailed {
            attempt,
            error: failure("transient"),
            failed_at: at(200),
            failing: attempt >= REVOCATION_FAILING_AFTER,
            folded: 0,
            folded_throttled: 0,
            retry_in_ms: None,
        });
    }
    let mut lease = replay(events);
    assert_eq!(lease.renewals(), 1);
    assert_eq!(lease.expires_at(), Some(at(2 * HOUR)));
    assert_eq!(lease.revocation_attempts(), REVOCATION_FAILING_AFTER);
    assert!(lease.revocation_failing());
    assert_eq!(lease.revocation_reason(), Some(RevocationReason::Manual));
    lease.apply(LeaseEvent::LeaseRevoked {
        reason: RevocationReason::Manual,
        forced: true,
        revoked_at: at(300),
        user_missing: false,
        credential_gone: false,
    });
    assert!(!lease.revocation_failing());
    assert!(lease.revoked_forced());
    assert!(!lease.user_missing());
}

#[test]
fn activation_attempts_are_counted() {
    let lease = replay(vec![
        requested(),
        LeaseEvent::ActivationAttemptFailed {
            attempt: 1,
            error: failure("transient"),
            failed_at: at(1),
        },
    ]);
    assert_eq!(lease.activation_attempts(), 1);
    assert_eq!(lease.status(), Some(LeaseStatus::Requested));
}

#[test]
fn events_round_trip_and_are_named_after_variants() {
    let events = [
        (requested(), "LeaseRequested"),
        (activated(), "LeaseActivated"),
        (
            LeaseEvent::ActivationAttemptFailed {
                attempt: 1,
                error: failure("transient"),
                failed_at: at(1),
            },
            "ActivationAttemptFailed",
        ),
        (activation_failed(), "LeaseActivationFailed"),
        (
            LeaseEvent::LeaseRenewed {
                expires_at: at(2),
                capped: true,
                renewed_at: at(1),
            },
            "LeaseRenewed",
        ),
        (
            revocation_requested(RevocationReason::SecretDeleted, 3),
            "LeaseRevocationRequested",
        ),
        (
            LeaseEvent::RevocationAttemptFailed {
                attempt: 2,
                error: failure("throttled"),
                failed_at: at(4),
                failing: false,
                folded: 0,
                folded_throttled: 0,
                retry_in_ms: None,
            },
            "RevocationAttemptFailed",
        ),
        (revoked(5), "LeaseRevoked"),
    ];
    for (event, name) in events {
        assert_eq!(event.event_type(), name);
        assert_eq!(event.event_version(), "1");
        let json = serde_json::to_value(&event).unwrap();
        assert!(json.get(name).is_some(), "externally tagged: {json}");
        assert_eq!(serde_json::from_value::<LeaseEvent>(json).unwrap(), event);
    }
    assert_eq!(Lease::TYPE, "Lease");
}

#[test]
fn enums_serialize_snake_case() {
    assert_eq!(
        serde_json::to_value(LeaseStatus::ActivationFailed).unwrap(),
        "activation_failed"
    );
    assert_eq!(
        serde_json::to_value(RevocationReason::SecretDeleted).unwrap(),
        "secret_deleted"
    );
    for status in ALL_STATUSES {
        assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
    }
}

#[test]
fn activated_event_debug_hides_credential() {
    assert!(!format!("{:?}", activated()).contains("CIPHERTEXT"));
}
