//! What command replies show of a connection, a secret and a lease. None of them has a
//! field for a client secret; a credential is shown only in [`Credential`].

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{Cloud, CredentialKind, LeaseStatus, RevocationReason, TapLifetimeBounds};

/// A connection without its sealed secret.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ConnectionView {
    /// Connection name.
    pub name: String,
    /// Entra tenant id.
    pub tenant_id: String,
    /// Application (client) id.
    pub client_id: String,
    /// The Microsoft cloud.
    pub cloud: Cloud,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When its client secret was last rotated.
    pub rotated_at: Option<DateTime<Utc>>,
    /// True once deleted.
    pub deleted: bool,
}

/// A dynamic secret. TTLs are whole seconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SecretView {
    /// Secret name.
    pub name: String,
    /// Connection used to reach Graph.
    pub connection: String,
    /// Entra object id of the user.
    pub user_object_id: String,
    /// UPN of the user.
    pub user_principal_name: String,
    /// Display name of the user.
    pub display_name: String,
    /// Default lease TTL, seconds.
    pub default_ttl: u64,
    /// Max lease TTL, seconds.
    pub max_ttl: u64,
    /// Kind of credential its leases hand out.
    pub credential_kind: CredentialKind,
    /// `temporary_access_pass` only: each pass signs in once only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usable_once: Option<bool>,
    /// `temporary_access_pass` only: the tenant's TAP policy bounds every TTL must fit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tap_policy: Option<TapLifetimeBounds>,
    /// The lease holding the secret's single live slot, if any.
    pub live_lease_id: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When its settings last changed.
    pub updated_at: Option<DateTime<Utc>>,
    /// True once deleted.
    pub deleted: bool,
    /// `secret.delete` only: the live lease the deletion revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_lease_id: Option<Option<String>>,
}

/// A lease's public facts, as the command side knows them. TTL in whole seconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LeaseView {
    /// Lease id (UUID v7).
    pub lease_id: String,
    /// The secret leased.
    pub secret: String,
    /// Connection used to reach Graph.
    pub connection: String,
    /// UPN of the user.
    pub user_principal_name: String,
    /// Where the lease is in its life.
    pub status: LeaseStatus,
    /// TTL granted at request time, seconds.
    pub ttl: u64,
    /// When issued.
    pub issued_at: DateTime<Utc>,
    /// Current expiry (after renewals).
    pub expires_at: DateTime<Utc>,
    /// No renewal goes past this.
    pub max_expires_at: DateTime<Utc>,
    /// Successful renewals.
    pub renewals: u32,
    /// Failed activation attempts.
    pub activation_attempts: u32,
    /// Failed revocation attempts.
    pub revocation_attempts: u32,
    /// True while revocation keeps failing: needs attention.
    pub revocation_failing: bool,
    /// Why it was revoked, once it is.
    pub revocation_reason: Option<RevocationReason>,
    /// Who asked for the lease.
    pub requested_by: String,
    /// The caller's request id, if given.
    pub request_id: Option<String>,
}

/// A leased credential: only ever in the reply to the actor who asked for it.
#[derive(Clone, Serialize, Deserialize, JsonSchema)]
pub struct Credential {
    /// The Entra user to sign in as.
    pub username: String,
    /// The password, valid until the lease ends; for a `temporary_access_pass` secret,
    /// the Temporary Access Pass (entered where the sign-in page asks for it).
    pub password: String,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("username", &self.username)
            .field("password", &"[REDACTED]")
            .finish()
    }
}

/// One Entra user, as offered for picking when a dynamic secret is created.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DirectoryUser {
    /// Object id (a GUID), stable across renames.
    pub object_id: String,
    /// Sign-in name, e.g. `alice@contoso.onmicrosoft.com`.
    pub user_principal_name: String,
    /// Display name, if set.
    pub display_name: Option<String>,
    /// Primary SMTP address, if any.
    pub mail: Option<String>,
    /// Whether sign-in is enabled, when the directory reports it.
    pub account_enabled: Option<bool>,
}
