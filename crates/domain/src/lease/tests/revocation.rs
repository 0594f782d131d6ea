use super::*;

fn revoke(reason: RevocationReason, force: bool) -> LeaseCommand {
    LeaseCommand::Revoke {
        reason,
        force,
        at: at(30),
    }
}

fn forced(reason: RevocationReason) -> LeaseEvent {
    LeaseEvent::LeaseRevoked {
        reason,
        forced: true,
        revoked_at: at(30),
        user_missing: false,
        credential_gone: false,
    }
}

fn revocation_failed(attempt: u32) -> LeaseEvent {
    LeaseEvent::RevocationAttemptFailed {
        attempt,
        error: failure("transient"),
        failed_at: at(100 + i64::from(attempt)),
        failing: attempt >= REVOCATION_FAILING_AFTER,
        folded: 0,
        folded_throttled: 0,
        retry_in_ms: None,
    }
}

#[test]
fn revoke_from_requested_and_active_asks_for_revocation() {
    for status in [LeaseStatus::Requested, LeaseStatus::Active] {
        Fixture::with(())
            .given(history(status))
            .when(revoke(RevocationReason::Manual, false))
            .then_expect_events(vec![revocation_requested(RevocationReason::Manual, 30)]);
    }
}

#[test]
fn force_revoke_from_each_live_state() {
    for status in [
        LeaseStatus::Requested,
        LeaseStatus::Active,
        LeaseStatus::Revoking,
    ] {
        Fixture::with(())
            .given(history(status))
            .when(revoke(RevocationReason::SecretDeleted, true))
            .then_expect_events(vec![forced(RevocationReason::SecretDeleted)]);
    }
}

#[test]
fn revoke_is_idempotent_once_revoking_or_terminal() {
    let cases = [
        (LeaseStatus::Revoking, false),
        (LeaseStatus::Revoked, false),
        (LeaseStatus::Revoked, true),
        (LeaseStatus::ActivationFailed, false),
        (LeaseStatus::ActivationFailed, true),
    ];
    for (status, force) in cases {
        Fixture::with(())
            .given(history(status))
            .when(revoke(RevocationReason::Manual, force))
            .then_expect_events(vec![]);
    }
}

#[test]
fn expire_after_deadline_asks_for_revocation() {
    for status in [LeaseStatus::Requested, LeaseStatus::Active] {
        Fixture::with(())
            .given(history(status))
            .when(LeaseCommand::Expire { at: at(HOUR) })
            .then_expect_events(vec![revocation_requested(RevocationReason::Expired, HOUR)]);
    }
}

#[test]
fn expire_before_deadline_is_not_yet_expired() {
    Fixture::with(())
        .given(history(LeaseStatus::Active))
        .when(LeaseCommand::Expire { at: at(HOUR - 1) })
        .then_expect_error(LeaseError::NotYetExpired {
            expires_at: at(HOUR),
        });
}

#[test]
fn expire_honours_renewed_deadline() {
    let mut given = history(LeaseStatus::Active);
    given.push(LeaseEvent::LeaseRenewed {
        expires_at: at(2 * HOUR),
        capped: false,
        renewed_at: at(HOUR - 10),
    });
    Fixture::with(())
        .given(given)
        .when(LeaseCommand::Expire { at: at(HOUR + 1) })
        .then_expect_error(LeaseError::NotYetExpired {
            expires_at: at(2 * HOUR),
        });
}

#[test]
fn expire_in_other_states_is_a_no_op() {
    for status in [
        LeaseStatus::Revoking,
        LeaseStatus::Revoked,
        LeaseStatus::ActivationFailed,
    ] {
        Fixture::with(())
            .given(history(status))
            .when(LeaseCommand::Expire { at: at(DAY) })
            .then_expect_events(vec![]);
    }
}

#[test]
fn revocation_failure_counts_attempts() {
    Fixture::with(())
        .given(history(LeaseStatus::Revoking))
        .when(LeaseCommand::RecordRevocationFailure {
            error: failure("transient"),
            at: at(101),
            folded: None,
            retry_in_ms: None,
        })
        .then_expect_events(vec![revocation_failed(1)]);
}

#[test]
fn revocation_failures_reaching_threshold_are_failing() {
    let mut given = history(LeaseStatus::Revoking);
    given.extend((1..REVOCATION_FAILING_AFTER).map(revocation_failed));
    let n = REVOCATION_FAILING_AFTER;
    let events = Fixture::with(())
        .given(given)
        .when(LeaseCommand::RecordRevocationFailure {
            error: failure("transient"),
            at: at(100 + i64::from(n)),
            folded: None,
            retry_in_ms: None,
        })
        .inspect_result()
        .unwrap();
    assert_eq!(events, vec![revocation_failed(n)]);
    assert!(matches!(
        events[0],
        LeaseEvent::RevocationAttemptFailed { failing: true, .. }
    ));
}

#[test]
fn revocation_failure_outside_revoking_is_invalid() {
    for status in [
        LeaseStatus::Requested,
        LeaseStatus::Active,
        LeaseStatus::ActivationFailed,
        LeaseStatus::Revoked,
    ] {
        Fixture::with(())
            .given(history(status))
            .when(LeaseCommand::RecordRevocationFailure {
                error: failure("transient"),
                at: at(101),
                folded: None,
                retry_in_ms: None,
            })
            .then_expect_error(LeaseError::InvalidState { status });
    }
}

#[test]
fn confirm_revocation_keeps_requested_reason() {
    let given = vec![
        requested(),
        activated(),
        revocation_requested(RevocationReason::Expired, HOUR),
    ];
    Fixture::with(())
        .given(given)
        .when(LeaseCommand::ConfirmRevocation {
            at: at(HOUR + 5),
            user_missing: true,
            credential_gone: false,
            folded: None,
        })
        .then_expect_events(vec![LeaseEvent::LeaseRevoked {
            reason: RevocationReason::Expired,
            forced: false,
            revoked_at: at(HOUR + 5),
            user_missing: true,
            credential_gone: false,
        }]);
}

#[test]
fn confirm_revocation_when_revoked_is_a_no_op() {
    Fixture::with(())
        .given(history(LeaseStatus::Revoked))
        .when(LeaseCommand::ConfirmRevocation {
            at: at(40),
            user_missing: false,
            credential_gone: false,
            folded: None,
        })
        .then_expect_events(vec![]);
}

#[test]
fn confirm_revocation_elsewhere_is_invalid() {
    for status in [
        LeaseStatus::Requested,
        LeaseStatus::Active,
        LeaseStatus::ActivationFailed,
    ] {
        Fixture::with(())
            .given(history(status))
            .when(LeaseCommand::ConfirmRevocation {
                at: at(40),
                user_missing: false,
                credential_gone: false,
                folded: None,
            })
            .then_expect_error(LeaseError::InvalidState { status });
    }
}

#[test]
fn throttled_revocation_attempts_do_not_make_a_lease_failing() {
    let throttled = |attempt: u32| LeaseEvent::RevocationAttemptFailed {
        attempt,
        error: failure(THROTTLED_KIND),
        failed_at: at(100 + i64::from(attempt)),
        failing: false,
        folded: 0,
        folded_throttled: 0,
        retry_in_ms: None,
    };
    let mut given = history(LeaseStatus::Revoking);
    given.extend((1..=10).map(throttled));
    Fixture::with(())
        .given(given.clone())
        .when(LeaseCommand::RecordRevocationFailure {
            error: failure(THROTTLED_KIND),
            at: at(111),
            folded: None,
            retry_in_ms: None,
        })
        .then_expect_events(vec![LeaseEvent::RevocationAttemptFailed {
            attempt: 11,
            error: failure(THROTTLED_KIND),
            failed_at: at(111),
            failing: false,
            folded: 0,
            folded_throttled: 0,
            retry_in_ms: None,
        }]);
    // Real failures still count: the third one makes the lease failing.
    given.extend((11..13).map(|attempt| LeaseEvent::RevocationAttemptFailed {
        attempt,
        error: failure("transient"),
        failed_at: at(100 + i64::from(attempt)),
        failing: false,
        folded: 0,
        folded_throttled: 0,
        retry_in_ms: None,
    }));
    let events = Fixture::with(())
        .given(given)
        .when(LeaseCommand::RecordRevocationFailure {
            error: failure("transient"),
            at: at(113),
            folded: None,
            retry_in_ms: None,
        })
        .inspect_result()
        .expect("events");
    assert!(matches!(
        events.as_slice(),
        [LeaseEvent::RevocationAttemptFailed {
            failing: true,
            attempt: 13,
            ..
        }]
    ));
}

#[test]
fn a_credential_already_gone_from_entra_is_recorded_with_the_revocation() {
    Fixture::with(())
        .given(history(LeaseStatus::Revoking))
        .when(LeaseCommand::ConfirmRevocation {
            at: at(20),
            user_missing: false,
            credential_gone: true,
            folded: None,
        })
        .then_expect_events(vec![LeaseEvent::LeaseRevoked {
            reason: RevocationReason::Manual,
            forced: false,
            revoked_at: at(20),
            user_missing: false,
            credential_gone: true,
        }]);
}
