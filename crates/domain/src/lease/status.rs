//! Small value types of the lease state machine. `LeaseStatus` and `RevocationReason`
//! are wire vocabulary too: they live in `leasehold-api` and are re-exported here.

pub use leasehold_api::{LeaseStatus, RevocationReason};
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
