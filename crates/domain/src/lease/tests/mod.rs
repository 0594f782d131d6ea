//! Given/when/then specifications of the lease state machine.

use cqrs_es::test::TestFramework;

use super::*;
use crate::test_support::{
    actor, at, connection_name, lease_id, sealed, secret_name, ttl, upn, user_id,
};
use crate::CredentialKind;

mod activation;
mod folding;
mod renewal;
mod revocation;
mod state;

type Fixture = TestFramework<Lease>;

const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

/// Terms issued at t0, 1h TTL (also the default), 1d max.
fn terms() -> LeaseTerms {
    LeaseTerms {
        lease_id: lease_id(1),
        secret: secret_name("db-admin"),
        connection: connection_name("contoso"),
        user_object_id: user_id(),
        user_principal_name: upn(),
        default_ttl: ttl(HOUR as u64),
        ttl: ttl(HOUR as u64),
        issued_at: at(0),
        expires_at: at(HOUR),
        max_expires_at: at(DAY),
        requested_by: actor(),
        request_id: Some("req-1".into()),
        credential_kind: CredentialKind::Password,
    }
}

fn request() -> LeaseCommand {
    LeaseCommand::Request { terms: terms() }
}

fn requested() -> LeaseEvent {
    LeaseEvent::LeaseRequested { terms: terms() }
}

fn activated() -> LeaseEvent {
    LeaseEvent::LeaseActivated {
        credential: sealed("pw"),
        activated_at: at(1),
    }
}

fn activation_failed() -> LeaseEvent {
    LeaseEvent::LeaseActivationFailed {
        reason: "permanent failure (permanent): user not found".into(),
        failed_at: at(1),
    }
}

fn revocation_requested(reason: RevocationReason, when: i64) -> LeaseEvent {
    LeaseEvent::LeaseRevocationRequested {
        reason,
        requested_at: at(when),
    }
}

fn revoked(when: i64) -> LeaseEvent {
    LeaseEvent::LeaseRevoked {
        reason: RevocationReason::Manual,
        forced: false,
        revoked_at: at(when),
        user_missing: false,
        credential_gone: false,
    }
}

fn failure(kind: &str) -> FailureInfo {
    FailureInfo {
        kind: kind.into(),
        message: "graph said no".into(),
        request_id: Some("graph-req".into()),
    }
}

/// Histories for every status, for table-driven tests.
fn history(status: LeaseStatus) -> Vec<LeaseEvent> {
    match status {
        LeaseStatus::Requested => vec![requested()],
        LeaseStatus::Active => vec![requested(), activated()],
        LeaseStatus::ActivationFailed => vec![requested(), activation_failed()],
        LeaseStatus::Revoking => vec![
            requested(),
            activated(),
            revocation_requested(RevocationReason::Manual, 10),
        ],
        LeaseStatus::Revoked => vec![
            requested(),
            activated(),
            revocation_requested(RevocationReason::Manual, 10),
            revoked(20),
        ],
    }
}

const ALL_STATUSES: [LeaseStatus; 5] = [
    LeaseStatus::Requested,
    LeaseStatus::Active,
    LeaseStatus::ActivationFailed,
    LeaseStatus::Revoking,
    LeaseStatus::Revoked,
];

#[test]
fn request_records_terms() {
    Fixture::with(())
        .given_no_previous_events()
        .when(request())
        .then_expect_events(vec![requested()]);
}

#[test]
fn request_twice_is_already_exists() {
    Fixture::with(())
        .given(vec![requested()])
        .when(request())
        .then_expect_error(LeaseError::AlreadyExists);
}

#[test]
fn commands_on_unknown_lease_are_not_found() {
    let commands = vec![
        LeaseCommand::Activate {
            credential: sealed("pw"),
            at: at(1),
        },
        LeaseCommand::RecordActivationFailure {
            error: failure("transient"),
            permanent: false,
            at: at(1),
        },
        LeaseCommand::Renew {
            increment: None,
            at: at(1),
        },
        LeaseCommand::Revoke {
            reason: RevocationReason::Manual,
            force: true,
            at: at(1),
        },
        LeaseCommand::Expire { at: at(1) },
        LeaseCommand::RecordRevocationFailure {
            error: failure("transient"),
            at: at(1),
            folded: None,
            retry_in_ms: None,
        },
        LeaseCommand::ConfirmRevocation {
            at: at(1),
            user_missing: false,
            credential_gone: false,
            folded: None,
        },
    ];
    for command in commands {
        Fixture::with(())
            .given_no_previous_events()
            .when(command)
            .then_expect_error(LeaseError::NotFound);
    }
}
