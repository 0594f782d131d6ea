//! Which error code (`leasehold_api::ErrorCode`) each domain error is, with its details.

use chrono::SecondsFormat;
use leasehold_api::ErrorCode;
use serde_json::{json, Value};

use crate::{ConnectionError, LeaseError, ParseError, SecretError};

/// Maps a domain error to its code (`leasehold_api::ErrorCode`) plus structured details
/// for API replies. The codes are the contract's; the domain only says which applies.
pub trait Coded {
    /// The stable code.
    fn code(&self) -> ErrorCode;
    /// Structured facts about the error (an object, possibly empty).
    fn details(&self) -> Value;
}

impl Coded for ConnectionError {
    fn code(&self) -> ErrorCode {
        match self {
            ConnectionError::AlreadyExists => ErrorCode::AlreadyExists,
            ConnectionError::NotFound => ErrorCode::NotFound,
            ConnectionError::InUse { .. } => ErrorCode::ConnectionInUse,
        }
    }

    fn details(&self) -> Value {
        match self {
            ConnectionError::InUse { secrets } => json!({ "secrets": secrets }),
            _ => json!({}),
        }
    }
}

impl Coded for SecretError {
    fn code(&self) -> ErrorCode {
        match self {
            SecretError::AlreadyExists => ErrorCode::AlreadyExists,
            SecretError::NotFound => ErrorCode::NotFound,
            SecretError::DefaultTtlExceedsMax { .. }
            | SecretError::InvalidTtl { .. }
            | SecretError::TtlOutsideTapPolicy { .. } => ErrorCode::InvalidTtl,
            SecretError::TapPolicyUnknown => ErrorCode::InvalidRequest,
            SecretError::TtlExceedsMax { .. } => ErrorCode::TtlExceedsMax,
            SecretError::LeaseConflict { .. } => ErrorCode::LeaseConflict,
        }
    }

    fn details(&self) -> Value {
        match self {
            SecretError::AlreadyExists | SecretError::NotFound | SecretError::TapPolicyUnknown => {
                json!({})
            }
            SecretError::TtlOutsideTapPolicy {
                ttl,
                min_minutes,
                max_minutes,
            } => json!({
                "ttl": ttl.as_secs(),
                "credential_kind": "temporary_access_pass",
                "min_lifetime_minutes": min_minutes,
                "max_lifetime_minutes": max_minutes,
            }),
            SecretError::DefaultTtlExceedsMax { default, max } => json!({
                "default_ttl": default.as_secs(),
                "max_ttl": max.as_secs(),
            }),
            SecretError::TtlExceedsMax { requested, max } => json!({
                "requested": requested.as_secs(),
                "max": max.as_secs(),
            }),
            SecretError::LeaseConflict {
                lease_id,
                expires_at,
            } => json!({
                "lease_id": lease_id.to_string(),
                "expires_at": expires_at.to_rfc3339_opts(SecondsFormat::Secs, true),
            }),
            SecretError::InvalidTtl { reason } => json!({ "reason": reason }),
        }
    }
}

impl Coded for LeaseError {
    fn code(&self) -> ErrorCode {
        match self {
            LeaseError::AlreadyExists => ErrorCode::AlreadyExists,
            LeaseError::NotFound => ErrorCode::NotFound,
            LeaseError::InvalidState { .. } => ErrorCode::LeaseNotActive,
            LeaseError::NotRenewable { .. } => ErrorCode::LeaseNotRenewable,
            LeaseError::NotYetExpired { .. } => ErrorCode::LeaseNotExpired,
        }
    }

    fn details(&self) -> Value {
        match self {
            LeaseError::AlreadyExists | LeaseError::NotFound => json!({}),
            LeaseError::InvalidState { status } => json!({ "status": status }),
            LeaseError::NotRenewable { status, reason } => {
                json!({ "status": status, "reason": reason })
            }
            LeaseError::NotYetExpired { expires_at } => json!({
                "expires_at": expires_at.to_rfc3339_opts(SecondsFormat::Secs, true),
            }),
        }
    }
}

impl Coded for ParseError {
    fn code(&self) -> ErrorCode {
        if self.is_ttl() {
            ErrorCode::InvalidTtl
        } else {
            ErrorCode::InvalidRequest
        }
    }

    fn details(&self) -> Value {
        json!({ "field": self.field(), "reason": self.reason() })
    }
}

#[cfg(test)]
mod tests;
