//! Successful results, one per operation (inside [`crate::Reply::Ok`]).

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{
    ConnectionRecord, Credential, DirectoryUser, ErrorBody, LeaseRecordView, LeaseView,
    SecretRecordView, SecretView,
};

/// `lease.create`: the credential when the lease is active, else `pending`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct LeaseCreated {
    /// `active` (with `credential`) or `pending` (activation still in progress).
    pub status: CreateStatus,
    /// The lease.
    pub lease: LeaseView,
    /// The credential, when active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<Credential>,
    /// What to do next, when pending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Whether `lease.create` could hand the credential over yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CreateStatus {
    /// The credential is in the reply.
    Active,
    /// Fetch it later with `lease.get` and `credentials: true`.
    Pending,
}

/// `lease.renew`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LeaseRenewed {
    /// The lease after the renewal.
    pub lease: LeaseView,
    /// The new expiry.
    pub expires_at: DateTime<Utc>,
    /// True when the max TTL cut the increment short.
    pub capped: bool,
}

/// `lease.revoke`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LeaseRevoked {
    /// The lease, now revoking (or revoked when forced).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease: Option<LeaseView>,
    /// The secret, when revoked by secret and it had no live lease.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// The leases revoked (none or one).
    pub revoked: Vec<String>,
}

/// `secret.create`: the secrets made, and the users that failed (each with its error).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SecretsCreated {
    /// One per user that got a secret.
    pub created: Vec<SecretView>,
    /// One per user that did not.
    pub failed: Vec<FailedUser>,
    /// Users whose secret was made but whose leases are likely to fail (e.g. a directory
    /// role the application cannot manage).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<UserWarning>,
}

/// A warning about one user of `secret.create`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct UserWarning {
    /// The user's UPN.
    pub user: String,
    /// The directory roles the user holds, when they could be read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub directory_roles: Vec<String>,
    /// What is likely to go wrong, and why.
    pub message: String,
}

/// A user `secret.create` could not make a secret for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FailedUser {
    /// The user as given.
    pub user: String,
    /// Why.
    pub error: ErrorBody,
}

/// A page of a list; `next` is the `after` of the next page, `null` on the last.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Cursor of the next page.
    #[serde(default)]
    pub next: Option<String>,
}

/// `lease.get`: the read-model row, and the credential when asked for.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct LeaseFound {
    /// The lease.
    pub lease: LeaseRecordView,
    /// The credential (`credentials: true`, the requester's active lease only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<Credential>,
}

/// `users.list`: every user of the tenant (all pages), no cursor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Users {
    /// The users.
    pub items: Vec<DirectoryUser>,
}

/// `connection.get`.
pub type ConnectionFound = ConnectionRecord;
/// `secret.get`.
pub type SecretFound = SecretRecordView;
