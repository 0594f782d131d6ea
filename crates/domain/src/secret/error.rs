//! Why the `DynamicSecret` aggregate refused a command.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::{LeaseId, Ttl};

/// A refused dynamic-secret command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// A secret with this name was already created.
    #[error("a secret with this name already exists; choose another name or update it")]
    AlreadyExists,
    /// The secret was never created, or has been deleted.
    #[error("secret not found; list secrets to check the name")]
    NotFound,
    /// The default TTL would be longer than the max TTL.
    #[error("default TTL {default} exceeds max TTL {max}; lower the default or raise the max")]
    DefaultTtlExceedsMax {
        /// The resulting default TTL.
        default: Ttl,
        /// The resulting max TTL.
        max: Ttl,
    },
    /// A lease asked for more than the secret's max TTL.
    #[error("requested TTL {requested} exceeds the secret's max TTL {max}; ask for {max} or less")]
    TtlExceedsMax {
        /// The TTL asked for (or the default).
        requested: Ttl,
        /// The secret's max TTL.
        max: Ttl,
    },
    /// The secret already has a live lease: one live credential per Entra user.
    #[error(
        "secret already has live lease {lease_id} until {}; revoke it or wait for it to expire",
        .expires_at.to_rfc3339_opts(SecondsFormat::Secs, true)
    )]
    LeaseConflict {
        /// The live lease.
        lease_id: LeaseId,
        /// When it expires (as reserved; renewals may extend it up to its max).
        expires_at: DateTime<Utc>,
    },
    /// A TTL of a Temporary Access Pass secret or lease lies outside the tenant's TAP
    /// policy, or is not a whole number of minutes (TAP lifetimes are minutes).
    #[error(
        "TTL {ttl} does not fit the tenant's Temporary Access Pass policy: whole minutes \
         from {min_minutes}m to {max_minutes}m"
    )]
    TtlOutsideTapPolicy {
        /// The TTL refused.
        ttl: Ttl,
        /// `minimumLifetimeInMinutes` of the policy.
        min_minutes: u32,
        /// `maximumLifetimeInMinutes` of the policy.
        max_minutes: u32,
    },
    /// A Temporary Access Pass secret was asked for without the tenant's TAP policy.
    #[error("the tenant's Temporary Access Pass policy is unknown; it is read from Graph when the secret is created")]
    TapPolicyUnknown,
    /// A TTL was unusable for a reason other than the above.
    #[error("invalid TTL: {reason}")]
    InvalidTtl {
        /// Why the TTL is unusable.
        reason: String,
    },
}
