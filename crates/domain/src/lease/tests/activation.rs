use super::*;

fn fail(permanent: bool, when: i64) -> LeaseCommand {
    LeaseCommand::RecordActivationFailure {
        error: failure(if permanent { "permanent" } else { "transient" }),
        permanent,
        at: at(when),
    }
}

fn attempt_failed(attempt: u32) -> LeaseEvent {
    LeaseEvent::ActivationAttemptFailed {
        attempt,
        error: failure("transient"),
        failed_at: at(i64::from(attempt)),
    }
}

#[test]
fn activate_from_requested() {
    Fixture::with(())
        .given(vec![requested()])
        .when(LeaseCommand::Activate {
            credential: sealed("pw"),
            at: at(1),
        })
        .then_expect_events(vec![activated()]);
}

#[test]
fn activate_from_any_other_state_is_invalid() {
    for status in ALL_STATUSES
        .into_iter()
        .filter(|s| *s != LeaseStatus::Requested)
    {
        Fixture::with(())
            .given(history(status))
            .when(LeaseCommand::Activate {
                credential: sealed("pw2"),
                at: at(30),
            })
            .then_expect_error(LeaseError::InvalidState { status });
    }
}

#[test]
fn transient_failure_counts_an_attempt() {
    Fixture::with(())
        .given(vec![requested()])
        .when(fail(false, 1))
        .then_expect_events(vec![attempt_failed(1)]);
}

#[test]
fn failures_reaching_max_attempts_give_up() {
    let mut given = vec![requested()];
    given.extend((1..MAX_ACTIVATION_ATTEMPTS).map(attempt_failed));
    let max = MAX_ACTIVATION_ATTEMPTS;
    Fixture::with(())
        .given(given)
        .when(fail(false, i64::from(max)))
        .then_expect_events(vec![
            attempt_failed(max),
            LeaseEvent::LeaseActivationFailed {
                reason: format!("gave up after {max} attempts; last (transient): graph said no"),
                failed_at: at(i64::from(max)),
            },
        ]);
}

#[test]
fn throttled_attempts_are_recorded_but_not_counted() {
    let throttled = |attempt: u32| LeaseEvent::ActivationAttemptFailed {
        attempt,
        error: failure(THROTTLED_KIND),
        failed_at: at(i64::from(attempt)),
    };
    let max = MAX_ACTIVATION_ATTEMPTS;
    // Many throttled attempts, then max - 1 counted failures: one more still is not fatal
    // when it is throttled, and is fatal when it is a real failure.
    let mut given = vec![requested()];
    given.extend((1..=20).map(throttled));
    given.extend((21..20 + max).map(attempt_failed));
    let next = 20 + max;
    Fixture::with(())
        .given(given.clone())
        .when(LeaseCommand::RecordActivationFailure {
            error: failure(THROTTLED_KIND),
            permanent: false,
            at: at(i64::from(next)),
        })
        .then_expect_events(vec![throttled(next)]);
    let events = Fixture::with(())
        .given(given)
        .when(fail(false, i64::from(next)))
        .inspect_result()
        .expect("events");
    assert!(matches!(
        events.last(),
        Some(LeaseEvent::LeaseActivationFailed { .. })
    ));
}

#[test]
fn permanent_failure_gives_up_at_once() {
    Fixture::with(())
        .given(vec![requested()])
        .when(fail(true, 1))
        .then_expect_events(vec![
            LeaseEvent::ActivationAttemptFailed {
                attempt: 1,
                error: failure("permanent"),
                failed_at: at(1),
            },
            LeaseEvent::LeaseActivationFailed {
                reason: "permanent failure (permanent): graph said no".into(),
                failed_at: at(1),
            },
        ]);
}

#[test]
fn activation_failure_outside_requested_is_invalid() {
    for status in [
        LeaseStatus::Active,
        LeaseStatus::ActivationFailed,
        LeaseStatus::Revoking,
        LeaseStatus::Revoked,
    ] {
        Fixture::with(())
            .given(history(status))
            .when(fail(false, 30))
            .then_expect_error(LeaseError::InvalidState { status });
    }
}
