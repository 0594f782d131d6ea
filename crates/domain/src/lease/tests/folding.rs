//! Folded revocation failures and the scramble that follows a forced revocation.

use cqrs_es::Aggregate;

use super::*;

fn folded(kind: &str, count: u32, throttled: u32) -> Option<FoldedFailures> {
    Some(FoldedFailures {
        error: failure(kind),
        count,
        throttled,
        last_at: at(150),
    })
}

fn failure_after(folded_before: Option<FoldedFailures>) -> LeaseCommand {
    LeaseCommand::RecordRevocationFailure {
        error: failure("transient"),
        at: at(160),
        folded: folded_before,
        retry_in_ms: Some(60_000),
    }
}

fn forced_at(when: i64) -> LeaseEvent {
    LeaseEvent::LeaseRevoked {
        reason: RevocationReason::Manual,
        forced: true,
        revoked_at: at(when),
        user_missing: false,
        credential_gone: false,
    }
}

#[test]
fn folded_failures_are_written_first_as_one_event_counting_every_attempt() {
    let mut given = history(LeaseStatus::Revoking);
    given.push(LeaseEvent::RevocationAttemptFailed {
        attempt: 1,
        error: failure("throttled"),
        failed_at: at(101),
        failing: false,
        folded: 0,
        folded_throttled: 0,
        retry_in_ms: Some(1000),
    });
    Fixture::with(())
        .given(given)
        .when(failure_after(folded("throttled", 30, 28)))
        .then_expect_events(vec![
            LeaseEvent::RevocationAttemptFailed {
                attempt: 31,
                error: failure("throttled"),
                failed_at: at(150),
                // 2 of the 30 were not throttled: 2 counted failures, not yet 3.
                failing: false,
                folded: 29,
                folded_throttled: 27,
                retry_in_ms: None,
            },
            LeaseEvent::RevocationAttemptFailed {
                attempt: 32,
                error: failure("transient"),
                failed_at: at(160),
                failing: true,
                folded: 0,
                folded_throttled: 0,
                retry_in_ms: Some(60_000),
            },
        ]);
}

#[test]
fn replaying_a_folded_event_restores_the_counts() {
    let mut lease = Lease::default();
    for event in history(LeaseStatus::Revoking) {
        lease.apply(event);
    }
    lease.apply(LeaseEvent::RevocationAttemptFailed {
        attempt: 40,
        error: failure("transient"),
        failed_at: at(150),
        failing: true,
        folded: 39,
        folded_throttled: 30,
        retry_in_ms: None,
    });
    assert_eq!(lease.revocation_attempts(), 40);
    assert_eq!(lease.counted_revocation_failures(), 10);
    assert!(lease.revocation_failing());
}

#[test]
fn an_event_without_the_new_fields_still_loads() {
    let old = serde_json::json!({ "RevocationAttemptFailed": {
        "attempt": 2, "error": { "kind": "transient", "message": "x", "request_id": null },
        "failed_at": "2026-11-27T12:00:00Z", "failing": false } });
    let event: LeaseEvent = serde_json::from_value(old).expect("old event");
    assert!(matches!(
        event,
        LeaseEvent::RevocationAttemptFailed {
            folded: 0,
            folded_throttled: 0,
            retry_in_ms: None,
            ..
        }
    ));
}

#[test]
fn confirmation_writes_the_folded_failures_before_it() {
    Fixture::with(())
        .given(history(LeaseStatus::Revoking))
        .when(LeaseCommand::ConfirmRevocation {
            at: at(200),
            user_missing: false,
            credential_gone: false,
            folded: folded("timeout", 3, 0),
        })
        .then_expect_events(vec![
            LeaseEvent::RevocationAttemptFailed {
                attempt: 3,
                error: failure("timeout"),
                failed_at: at(150),
                failing: true,
                folded: 2,
                folded_throttled: 0,
                retry_in_ms: None,
            },
            revoked(200),
        ]);
}

#[test]
fn a_forced_revocation_keeps_its_scramble_pending_until_confirmed() {
    let mut given = history(LeaseStatus::Active);
    given.push(forced_at(30));
    Fixture::with(())
        .given(given.clone())
        .when(failure_after(None))
        .then_expect_events(vec![LeaseEvent::RevocationAttemptFailed {
            attempt: 1,
            error: failure("transient"),
            failed_at: at(160),
            failing: false,
            folded: 0,
            folded_throttled: 0,
            retry_in_ms: Some(60_000),
        }]);
    Fixture::with(())
        .given(given.clone())
        .when(LeaseCommand::ConfirmRevocation {
            at: at(170),
            user_missing: false,
            credential_gone: false,
            folded: None,
        })
        .then_expect_events(vec![LeaseEvent::ForcedRevocationConfirmed {
            confirmed_at: at(170),
            user_missing: false,
        }]);

    given.push(LeaseEvent::ForcedRevocationConfirmed {
        confirmed_at: at(170),
        user_missing: false,
    });
    Fixture::with(())
        .given(given.clone())
        .when(LeaseCommand::ConfirmRevocation {
            at: at(180),
            user_missing: false,
            credential_gone: false,
            folded: None,
        })
        .then_expect_events(vec![]);
    Fixture::with(())
        .given(given)
        .when(failure_after(None))
        .then_expect_error(LeaseError::InvalidState {
            status: LeaseStatus::Revoked,
        });
}

#[test]
fn scramble_pending_shows_in_state() {
    let mut lease = Lease::default();
    for event in history(LeaseStatus::Active) {
        lease.apply(event);
    }
    lease.apply(forced_at(30));
    assert!(lease.scramble_pending());
    lease.apply(LeaseEvent::ForcedRevocationConfirmed {
        confirmed_at: at(40),
        user_missing: true,
    });
    assert!(!lease.scramble_pending());
    assert!(lease.user_missing());
    assert_eq!(lease.status(), Some(LeaseStatus::Revoked));
}
