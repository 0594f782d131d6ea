//! Small value types of the lease state machine.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Failed activation attempts after which a lease gives up (`LeaseActivationFailed`).
/// Throttled attempts are recorded but not counted: throttling is back-pressure, and
/// the attempt is retried after the `Retry-After` Graph gave.
pub const MAX_ACTIVATION_ATTEMPTS: u32 = 8;

/// The failure kind that does not count towards [`MAX_ACTIVATION_ATTEMPTS`].
pub const THROTTLED_KIND: &str = "throttled";

/// Failed revocation attempts after which a lease shows as `revocation_failing`.
pub const REVOCATION_FAILING_AFTER: u32 = 3;

/// Failed revocation attempts of one kind of trouble (an outage: throttled, transient,
/// timeout; or one other kind) that the worker did not record one by one: they are recorded
/// as one `RevocationAttemptFailed` whose `folded` says how many more it stands for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldedFailures {
    /// The last of the identical failures.
    pub error: FailureInfo,
    /// How many attempts failed this way (at least 1 to record anything).
    pub count: u32,
    /// How many of them were throttled (they do not count towards `revocation_failing`).
    pub throttled: u32,
    /// When the last of them failed.
    pub last_at: chrono::DateTime<chrono::Utc>,
}

/// Where a lease is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeaseStatus {
    /// Recorded; the worker has not yet set the credential.
    Requested,
    /// The credential is set and handed out.
    Active,
    /// Activation gave up; no credential was handed out (terminal).
    ActivationFailed,
    /// Revocation was asked for; the worker is invalidating the credential.
    Revoking,
    /// The credential is invalidated (terminal).
    Revoked,
}

impl LeaseStatus {
    /// The snake_case name used in APIs and read models.
    pub fn as_str(self) -> &'static str {
        match self {
            LeaseStatus::Requested => "requested",
            LeaseStatus::Active => "active",
            LeaseStatus::ActivationFailed => "activation_failed",
            LeaseStatus::Revoking => "revoking",
            LeaseStatus::Revoked => "revoked",
        }
    }

    /// True while a credential may exist or be about to: requested, active or revoking.
    pub fn is_live(self) -> bool {
        matches!(
            self,
            LeaseStatus::Requested | LeaseStatus::Active | LeaseStatus::Revoking
        )
    }
}

impl fmt::Display for LeaseStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a lease is being revoked (forcing is recorded separately).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevocationReason {
    /// Someone asked for it.
    Manual,
    /// Its `expires_at` passed.
    Expired,
    /// Its secret was deleted.
    SecretDeleted,
}

impl RevocationReason {
    /// The snake_case name used in APIs and read models.
    pub fn as_str(self) -> &'static str {
        match self {
            RevocationReason::Manual => "manual",
            RevocationReason::Expired => "expired",
            RevocationReason::SecretDeleted => "secret_deleted",
        }
    }
}

impl fmt::Display for RevocationReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed Graph call, as recorded in events. Messages never contain secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureInfo {
    /// Short machine-readable kind, e.g. `transient`, `throttled`, `permanent`.
    pub kind: String,
    /// Human-readable description, free of credentials.
    pub message: String,
    /// Graph's `request-id`, for support tickets.
    pub request_id: Option<String>,
}
