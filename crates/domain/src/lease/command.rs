//! Commands accepted by the `Lease` aggregate.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{FailureInfo, FoldedFailures, LeaseTerms, RevocationReason};
use crate::{Sealed, Ttl};

/// What a caller or worker asks of a lease; time arrives as `at`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum LeaseCommand {
    /// Record a lease whose slot was reserved on its secret (terms come from `LeaseReserved`).
    Request {
        /// What the lease is granted, as built from the reservation
        /// ([`crate::DynamicSecret::lease_terms`]).
        terms: LeaseTerms,
    },
    /// The worker set the credential.
    Activate {
        /// The credential, sealed.
        credential: Sealed,
        /// When it was set.
        at: DateTime<Utc>,
    },
    /// The worker failed to set the credential.
    RecordActivationFailure {
        /// What went wrong.
        error: FailureInfo,
        /// True when retrying cannot help (gives up immediately).
        permanent: bool,
        /// When it failed.
        at: DateTime<Utc>,
    },
    /// Extend an active lease.
    Renew {
        /// Time from now until the new expiry; the default TTL when `None`.
        increment: Option<Ttl>,
        /// When the command was accepted.
        at: DateTime<Utc>,
    },
    /// Ask for revocation, or with `force` mark revoked without waiting for Graph.
    Revoke {
        /// Why.
        reason: RevocationReason,
        /// Operator override: record as revoked now (audited).
        force: bool,
        /// When the command was accepted.
        at: DateTime<Utc>,
    },
    /// The scheduler's deadline fired.
    Expire {
        /// When it fired.
        at: DateTime<Utc>,
    },
    /// The worker failed to invalidate the credential (also after a forced revocation,
    /// whose scramble is retried until Graph confirms).
    RecordRevocationFailure {
        /// What went wrong.
        error: FailureInfo,
        /// When it failed.
        at: DateTime<Utc>,
        /// Identical earlier failures not yet recorded, written first as one event.
        folded: Option<FoldedFailures>,
        /// The delay before the next attempt, in milliseconds.
        retry_in_ms: Option<u64>,
    },
    /// The worker invalidated the credential.
    ConfirmRevocation {
        /// When it was invalidated.
        at: DateTime<Utc>,
        /// True when the Entra user no longer exists (nothing left to invalidate).
        user_missing: bool,
        /// True when the credential was already gone from Entra (a Temporary Access
        /// Pass that Entra expired or that was deleted there).
        credential_gone: bool,
        /// Identical failures before the success not yet recorded, written first.
        folded: Option<FoldedFailures>,
    },
}
