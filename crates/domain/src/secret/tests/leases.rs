use super::*;

#[test]
fn reserve_with_default_ttl() {
    Fixture::with(())
        .given(vec![created()])
        .when(reserve(1, None, 10))
        .then_expect_events(vec![reserved(1, 10)]);
}

#[test]
fn reserve_with_requested_ttl_up_to_max() {
    Fixture::with(())
        .given(vec![created()])
        .when(reserve(1, Some(DAY), 10))
        .then_expect_events(vec![SecretEvent::LeaseReserved {
            lease_id: lease_id(1),
            ttl: ttl(DAY),
            issued_at: at(10),
            expires_at: at(10 + DAY as i64),
            max_expires_at: at(10 + DAY as i64),
        }]);
}

#[test]
fn reserve_above_max_is_rejected() {
    Fixture::with(())
        .given(vec![created()])
        .when(reserve(1, Some(DAY + 1), 10))
        .then_expect_error(SecretError::TtlExceedsMax {
            requested: ttl(DAY + 1),
            max: ttl(DAY),
        });
}

#[test]
fn second_reservation_conflicts_naming_live_lease() {
    Fixture::with(())
        .given(vec![created(), reserved(1, 10)])
        .when(reserve(2, None, 20))
        .then_expect_error(SecretError::LeaseConflict {
            lease_id: lease_id(1),
            expires_at: at(10 + HOUR as i64),
        });
}

#[test]
fn retrying_the_same_reservation_is_a_no_op() {
    Fixture::with(())
        .given(vec![created(), reserved(1, 10)])
        .when(reserve(1, None, 11))
        .then_expect_events(vec![]);
}

#[test]
fn deleted_or_missing_secret_takes_no_lease() {
    Fixture::with(())
        .given(vec![created(), deleted(None)])
        .when(reserve(1, None, 60))
        .then_expect_error(SecretError::NotFound);
    Fixture::with(())
        .given_no_previous_events()
        .when(reserve(1, None, 60))
        .then_expect_error(SecretError::NotFound);
}

#[test]
fn release_frees_the_slot() {
    Fixture::with(())
        .given(vec![created(), reserved(1, 10)])
        .when(SecretCommand::ReleaseLease {
            lease_id: lease_id(1),
            reason: ReleaseReason::Ended,
            at: at(30),
        })
        .then_expect_events(vec![released(1, 30)]);
}

#[test]
fn release_then_reserve_again() {
    Fixture::with(())
        .given(vec![created(), reserved(1, 10), released(1, 30)])
        .when(reserve(2, None, 40))
        .then_expect_events(vec![reserved(2, 40)]);
}

#[test]
fn release_of_orphaned_reservation() {
    Fixture::with(())
        .given(vec![created(), reserved(1, 10)])
        .when(SecretCommand::ReleaseLease {
            lease_id: lease_id(1),
            reason: ReleaseReason::Orphaned,
            at: at(30),
        })
        .then_expect_events(vec![SecretEvent::LeaseReleased {
            lease_id: lease_id(1),
            reason: ReleaseReason::Orphaned,
            released_at: at(30),
        }]);
}

#[test]
fn release_of_non_live_lease_is_a_no_op() {
    let release = |n| SecretCommand::ReleaseLease {
        lease_id: lease_id(n),
        reason: ReleaseReason::Ended,
        at: at(30),
    };
    Fixture::with(())
        .given(vec![created(), reserved(1, 10)])
        .when(release(2))
        .then_expect_events(vec![]);
    Fixture::with(())
        .given(vec![created(), reserved(1, 10), released(1, 20)])
        .when(release(1))
        .then_expect_events(vec![]);
    Fixture::with(())
        .given(vec![created()])
        .when(release(1))
        .then_expect_events(vec![]);
}

#[test]
fn release_after_delete_still_works() {
    Fixture::with(())
        .given(vec![created(), reserved(1, 10), deleted(Some(1))])
        .when(SecretCommand::ReleaseLease {
            lease_id: lease_id(1),
            reason: ReleaseReason::Ended,
            at: at(30),
        })
        .then_expect_events(vec![released(1, 30)]);
}

#[test]
fn release_on_missing_secret_is_not_found() {
    Fixture::with(())
        .given_no_previous_events()
        .when(SecretCommand::ReleaseLease {
            lease_id: lease_id(1),
            reason: ReleaseReason::Ended,
            at: at(30),
        })
        .then_expect_error(SecretError::NotFound);
}
