//! Stable, machine-readable error codes shared by every outer layer.

use chrono::SecondsFormat;
use serde_json::{json, Value};

use crate::{ConnectionError, LeaseError, ParseError, SecretError};

/// Every error code a client can see; outer layers use the last eight.
pub const ALL_CODES: &[&str] = &[
    "not_found",
    "already_exists",
    "connection_in_use",
    "invalid_ttl",
    "ttl_exceeds_max",
    "lease_conflict",
    "lease_not_renewable",
    "lease_not_active",
    "lease_not_expired",
    "invalid_request",
    "forbidden",
    "conflict",
    "graph_error",
    "activation_failed",
    "unavailable",
    "rate_limited",
    "quota_exceeded",
    "internal",
];

/// Maps an error to a code from [`ALL_CODES`] plus structured details for API replies.
pub trait ErrorCode {
    /// The stable code, one of [`ALL_CODES`].
    fn code(&self) -> &'static str;
    /// Structured facts about the error (an object, possibly empty).
    fn details(&self) -> Value;
}

impl ErrorCode for ConnectionError {
    fn code(&self) -> &'static str {
        match self {
            ConnectionError::AlreadyExists => "already_exists",
            ConnectionError::NotFound => "not_found",
            ConnectionError::InUse { .. } => "connection_in_use",
        }
    }

    fn details(&self) -> Value {
        match self {
            ConnectionError::InUse { secrets } => json!({ "secrets": secrets }),
            _ => json!({}),
        }
    }
}

impl ErrorCode for SecretError {
    fn code(&self) -> &'static str {
        match self {
            SecretError::AlreadyExists => "already_exists",
            SecretError::NotFound => "not_found",
            SecretError::DefaultTtlExceedsMax { .. } | SecretError::InvalidTtl { .. } => {
                "invalid_ttl"
            }
            SecretError::TtlExceedsMax { .. } => "ttl_exceeds_max",
            SecretError::LeaseConflict { .. } => "lease_conflict",
        }
    }

    fn details(&self) -> Value {
        match self {
            SecretError::AlreadyExists | SecretError::NotFound => json!({}),
            SecretError::DefaultTtlExceedsMax { default, max } => json!({
                "default_ttl": default.as_secs(),
                "max_ttl": max.as_secs(),
            }),
            SecretError::TtlExceedsMax { requested, max } => json!({
                "requested_ttl": requested.as_secs(),
                "max_ttl": max.as_secs(),
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

impl ErrorCode for LeaseError {
    fn code(&self) -> &'static str {
        match self {
            LeaseError::AlreadyExists => "already_exists",
            LeaseError::NotFound => "not_found",
            LeaseError::InvalidState { .. } => "lease_not_active",
            LeaseError::NotRenewable { .. } => "lease_not_renewable",
            LeaseError::NotYetExpired { .. } => "lease_not_expired",
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

impl ErrorCode for ParseError {
    fn code(&self) -> &'static str {
        if self.is_ttl() {
            "invalid_ttl"
        } else {
            "invalid_request"
        }
    }

    fn details(&self) -> Value {
        json!({ "field": self.field(), "reason": self.reason() })
    }
}

#[cfg(test)]
mod tests;
