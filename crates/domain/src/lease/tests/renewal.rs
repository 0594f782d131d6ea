use super::*;

fn renew(increment: Option<i64>, when: i64) -> LeaseCommand {
    LeaseCommand::Renew {
        increment: increment.map(|s| ttl(s as u64)),
        at: at(when),
    }
}

#[test]
fn renew_with_default_increment() {
    Fixture::with(())
        .given(history(LeaseStatus::Active))
        .when(renew(None, 1800))
        .then_expect_events(vec![LeaseEvent::LeaseRenewed {
            expires_at: at(1800 + HOUR),
            capped: false,
            renewed_at: at(1800),
        }]);
}

#[test]
fn renew_with_explicit_increment() {
    Fixture::with(())
        .given(history(LeaseStatus::Active))
        .when(renew(Some(2 * HOUR), 1800))
        .then_expect_events(vec![LeaseEvent::LeaseRenewed {
            expires_at: at(1800 + 2 * HOUR),
            capped: false,
            renewed_at: at(1800),
        }]);
}

#[test]
fn renew_past_max_is_capped() {
    let mut given = history(LeaseStatus::Active);
    given.push(LeaseEvent::LeaseRenewed {
        expires_at: at(DAY - 600),
        capped: false,
        renewed_at: at(DAY - 4000),
    });
    Fixture::with(())
        .given(given)
        .when(renew(None, DAY - 1200))
        .then_expect_events(vec![LeaseEvent::LeaseRenewed {
            expires_at: at(DAY),
            capped: true,
            renewed_at: at(DAY - 1200),
        }]);
}

#[test]
fn renew_landing_exactly_on_max_is_not_capped() {
    let mut given = history(LeaseStatus::Active);
    given.push(LeaseEvent::LeaseRenewed {
        expires_at: at(DAY - 600),
        capped: false,
        renewed_at: at(DAY - 4000),
    });
    Fixture::with(())
        .given(given)
        .when(renew(None, DAY - HOUR))
        .then_expect_events(vec![LeaseEvent::LeaseRenewed {
            expires_at: at(DAY),
            capped: false,
            renewed_at: at(DAY - HOUR),
        }]);
}

#[test]
fn renew_when_not_active_is_not_renewable() {
    for status in ALL_STATUSES
        .into_iter()
        .filter(|s| *s != LeaseStatus::Active)
    {
        let err = Fixture::with(())
            .given(history(status))
            .when(renew(None, 60))
            .inspect_result()
            .unwrap_err();
        match err {
            LeaseError::NotRenewable {
                status: got,
                reason,
            } => {
                assert_eq!(got, status);
                assert!(reason.contains("not active"), "{reason}");
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[test]
fn renew_after_expiry_is_not_renewable() {
    Fixture::with(())
        .given(history(LeaseStatus::Active))
        .when(renew(None, HOUR))
        .then_expect_error(LeaseError::NotRenewable {
            status: LeaseStatus::Active,
            reason: "it expired at 2025-01-01T13:00:00Z".into(),
        });
}

#[test]
fn renew_after_max_is_not_renewable() {
    let mut given = history(LeaseStatus::Active);
    given.push(LeaseEvent::LeaseRenewed {
        expires_at: at(DAY),
        capped: true,
        renewed_at: at(DAY - 100),
    });
    Fixture::with(())
        .given(given)
        .when(renew(None, DAY))
        .then_expect_error(LeaseError::NotRenewable {
            status: LeaseStatus::Active,
            reason: "its max TTL was reached at 2025-01-02T12:00:00Z".into(),
        });
}

#[test]
fn a_temporary_access_pass_lease_is_not_renewable() {
    let mut terms = terms();
    terms.credential_kind = CredentialKind::TemporaryAccessPass { usable_once: false };
    let given = vec![LeaseEvent::LeaseRequested { terms }, activated()];
    Fixture::with(())
        .given(given)
        .when(renew(None, 1800))
        .then_expect_error(LeaseError::NotRenewable {
            status: LeaseStatus::Active,
            reason: "a Temporary Access Pass lease cannot be renewed: Entra ends the pass at \
                     the lease's expiry"
                .into(),
        });
}
