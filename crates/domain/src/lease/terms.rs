//! What a lease is granted: one value from the reservation to the event to the state.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    Actor, ConnectionName, CredentialKind, EntraObjectId, LeaseId, SecretName, Ttl,
    UserPrincipalName,
};

/// The terms of a lease, built by [`crate::DynamicSecret::lease_terms`] from the secret's
/// reservation; `expires_at` moves with renewals. Flattened into `LeaseRequested`, so the
/// field names are frozen storage keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaseTerms {
    /// Id (and aggregate id).
    pub lease_id: LeaseId,
    /// The secret leased.
    pub secret: SecretName,
    /// Connection used to reach Graph.
    pub connection: ConnectionName,
    /// Object id of the Entra user.
    pub user_object_id: EntraObjectId,
    /// UPN of the Entra user.
    pub user_principal_name: UserPrincipalName,
    /// The secret's default TTL at request time: the renewal increment when none is named.
    pub default_ttl: Ttl,
    /// TTL granted at request time.
    pub ttl: Ttl,
    /// When issued.
    pub issued_at: DateTime<Utc>,
    /// Current expiry.
    pub expires_at: DateTime<Utc>,
    /// Hard limit for renewals.
    pub max_expires_at: DateTime<Utc>,
    /// Who asked.
    pub requested_by: Actor,
    /// Caller's request id, if given.
    pub request_id: Option<String>,
    /// The kind of credential, from the secret. Left out of stored payloads for a
    /// password, so those stay as they were before there were kinds.
    #[serde(default, skip_serializing_if = "CredentialKind::is_password")]
    pub credential_kind: CredentialKind,
}
