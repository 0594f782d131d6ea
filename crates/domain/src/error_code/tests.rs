use super::*;
use crate::test_support::{at, lease_id, secret_name, ttl};
use crate::{LeaseStatus, SecretName, Ttl};

fn assert_code(err: &impl Coded, code: &str) {
    assert_eq!(err.code().as_str(), code);
    assert!(err.details().is_object());
}

#[test]
fn connection_error_codes() {
    assert_code(&ConnectionError::AlreadyExists, "already_exists");
    assert_code(&ConnectionError::NotFound, "not_found");
    let in_use = ConnectionError::InUse {
        secrets: vec![secret_name("db-admin")],
    };
    assert_code(&in_use, "connection_in_use");
    assert_eq!(in_use.details(), json!({"secrets": ["db-admin"]}));
}

#[test]
fn secret_error_codes() {
    assert_code(&SecretError::AlreadyExists, "already_exists");
    assert_code(&SecretError::NotFound, "not_found");
    let default_too_big = SecretError::DefaultTtlExceedsMax {
        default: ttl(7200),
        max: ttl(3600),
    };
    assert_code(&default_too_big, "invalid_ttl");
    assert_eq!(
        default_too_big.details(),
        json!({"default_ttl": 7200, "max_ttl": 3600})
    );
    let too_big = SecretError::TtlExceedsMax {
        requested: ttl(7200),
        max: ttl(3600),
    };
    assert_code(&too_big, "ttl_exceeds_max");
    assert_eq!(too_big.details(), json!({"requested": 7200, "max": 3600}));
    let conflict = SecretError::LeaseConflict {
        lease_id: lease_id(1),
        expires_at: at(0),
    };
    assert_code(&conflict, "lease_conflict");
    assert_eq!(
        conflict.details(),
        json!({"lease_id": lease_id(1).to_string(), "expires_at": "2025-01-01T12:00:00Z"})
    );
    assert_code(
        &SecretError::InvalidTtl {
            reason: "zero".into(),
        },
        "invalid_ttl",
    );
}

#[test]
fn lease_error_codes() {
    assert_code(&LeaseError::AlreadyExists, "already_exists");
    assert_code(&LeaseError::NotFound, "not_found");
    let invalid = LeaseError::InvalidState {
        status: LeaseStatus::Revoked,
    };
    assert_code(&invalid, "lease_not_active");
    assert_eq!(invalid.details(), json!({"status": "revoked"}));
    assert_code(
        &LeaseError::NotRenewable {
            status: LeaseStatus::Revoking,
            reason: "lease is revoking, not active".into(),
        },
        "lease_not_renewable",
    );
    assert_code(
        &LeaseError::NotYetExpired { expires_at: at(0) },
        "lease_not_expired",
    );
}

#[test]
fn parse_error_codes() {
    let bad_name = SecretName::parse("Bad").unwrap_err();
    assert_code(&bad_name, "invalid_request");
    assert_eq!(bad_name.details()["field"], "secret name");
    let bad_ttl = Ttl::parse("0").unwrap_err();
    assert_code(&bad_ttl, "invalid_ttl");
    assert_code(&bad_ttl.with_field("max_ttl"), "invalid_ttl");
}
