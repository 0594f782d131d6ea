//! Commands accepted by the `DynamicSecret` aggregate.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{ConnectionName, EntraObjectId, LeaseId, SecretName, Ttl, UserPrincipalName};

/// What kind of credential a lease hands out. Stored as `"password"` or
/// `{"temporary_access_pass": {"usable_once": …}}` (a storage key: never rename).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialKind {
    /// A fresh password set on the user (password reset); leasehold takes it back.
    #[default]
    Password,
    /// A Temporary Access Pass: Entra itself ends it at the lease's expiry.
    TemporaryAccessPass {
        /// The pass signs in once only.
        usable_once: bool,
    },
}

impl CredentialKind {
    /// The kind's name on the wire (`password`, `temporary_access_pass`).
    pub fn name(self) -> &'static str {
        match self {
            CredentialKind::Password => "password",
            CredentialKind::TemporaryAccessPass { .. } => "temporary_access_pass",
        }
    }

    /// True for a password (the default, left out of stored lease terms).
    pub fn is_password(&self) -> bool {
        *self == CredentialKind::Password
    }

    /// True for a Temporary Access Pass.
    pub fn is_tap(self) -> bool {
        matches!(self, CredentialKind::TemporaryAccessPass { .. })
    }
}

/// The lifetimes the tenant's Temporary Access Pass policy allows, as read from Graph
/// when a TAP secret is created; every TAP lease's TTL must lie within them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TapBounds {
    /// `minimumLifetimeInMinutes`.
    pub min_minutes: u32,
    /// `maximumLifetimeInMinutes`.
    pub max_minutes: u32,
}

/// Why a secret's lease reservation is released.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseReason {
    /// The lease reached a terminal state (revoked or activation failed).
    Ended,
    /// The reservation was never followed by a lease (e.g. a crash) and was reconciled.
    Orphaned,
}

/// What a caller asks of a dynamic secret; time arrives as `at`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SecretCommand {
    /// Define a new secret; the command layer has verified the connection and the user.
    Create {
        /// Name (and aggregate id) of the secret.
        name: SecretName,
        /// Connection used to reach Graph.
        connection: ConnectionName,
        /// Object id of the Entra user whose credential is leased.
        user_object_id: EntraObjectId,
        /// UPN of that user.
        user_principal_name: UserPrincipalName,
        /// Display name of that user, for humans.
        display_name: String,
        /// TTL of a lease when the request names none.
        default_ttl: Ttl,
        /// Longest a lease may live, renewals included.
        max_ttl: Ttl,
        /// Kind of credential handed out.
        credential_kind: CredentialKind,
        /// The tenant's TAP policy bounds; required for a TAP secret.
        tap_bounds: Option<TapBounds>,
        /// When the command was accepted.
        at: DateTime<Utc>,
    },
    /// Change TTLs or the connection; `None` keeps the current value.
    Update {
        /// New default TTL.
        default_ttl: Option<Ttl>,
        /// New max TTL.
        max_ttl: Option<Ttl>,
        /// New connection.
        connection: Option<ConnectionName>,
        /// When the command was accepted.
        at: DateTime<Utc>,
    },
    /// Delete the secret (the command layer revokes its live lease first).
    Delete {
        /// When the command was accepted.
        at: DateTime<Utc>,
    },
    /// Claim the secret's single live-lease slot for a new lease.
    ReserveLease {
        /// Id of the lease about to be requested.
        lease_id: LeaseId,
        /// Requested TTL; the default TTL when `None`.
        ttl: Option<Ttl>,
        /// When the command was accepted.
        at: DateTime<Utc>,
    },
    /// Free the live-lease slot held by `lease_id`.
    ReleaseLease {
        /// The lease giving up the slot.
        lease_id: LeaseId,
        /// Why it is released.
        reason: ReleaseReason,
        /// When the command was accepted.
        at: DateTime<Utc>,
    },
}
