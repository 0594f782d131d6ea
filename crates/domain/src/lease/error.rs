//! Why the `Lease` aggregate refused a command.

use chrono::{DateTime, SecondsFormat, Utc};

use super::LeaseStatus;

/// A refused lease command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LeaseError {
    /// A lease with this id was already requested.
    #[error("a lease with this id already exists; request a new lease id")]
    AlreadyExists,
    /// No lease with this id was requested.
    #[error("lease not found; list leases to check the id")]
    NotFound,
    /// The command does not apply in the lease's current status.
    #[error("lease is {status}; this action is not possible in that state")]
    InvalidState {
        /// Current status.
        status: LeaseStatus,
    },
    /// The lease cannot be renewed.
    #[error("lease cannot be renewed: {reason}; request a new lease instead")]
    NotRenewable {
        /// Current status.
        status: LeaseStatus,
        /// Why, in words.
        reason: String,
    },
    /// Expiry fired before the deadline (e.g. clock skew); the scheduler should retry later.
    #[error(
        "lease does not expire until {}; try again after that",
        .expires_at.to_rfc3339_opts(SecondsFormat::Secs, true)
    )]
    NotYetExpired {
        /// The current deadline.
        expires_at: DateTime<Utc>,
    },
}
