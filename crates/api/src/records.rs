//! Read-model rows, as the query service replies them (inside [`SecretRecordView`] and
//! [`LeaseRecordView`], which add the TTLs in seconds). Field names are the column
//! names of the read-model tables (`docs/queries.md`).
//!
//! None of these types has a field for a client secret or a credential, sealed or not:
//! a read model cannot leak what it cannot hold.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Cloud;

/// A row of `connections`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ConnectionRecord {
    /// Connection name (aggregate id).
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
    /// When it was deleted.
    pub deleted_at: Option<DateTime<Utc>>,
    /// Sequence of the last event folded into this row.
    pub last_sequence: i64,
}

/// A row of `dynamic_secrets`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SecretRecord {
    /// Secret name (aggregate id).
    pub name: String,
    /// Connection used to reach Graph.
    pub connection: String,
    /// Entra object id of the user.
    pub user_object_id: String,
    /// UPN of the user.
    pub user_principal_name: String,
    /// Display name of the user.
    pub display_name: String,
    /// Default lease TTL in seconds.
    pub default_ttl_secs: i64,
    /// Max lease TTL in seconds.
    pub max_ttl_secs: i64,
    /// Kind of credential (`password` or `temporary_access_pass`).
    pub credential_kind: String,
    /// `temporary_access_pass` only: each pass signs in once only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usable_once: Option<bool>,
    /// The lease holding the secret's single live slot, if any.
    pub live_lease_id: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When its settings last changed.
    pub updated_at: Option<DateTime<Utc>>,
    /// When it was deleted.
    pub deleted_at: Option<DateTime<Utc>>,
    /// Sequence of the last event folded into this row.
    pub last_sequence: i64,
}

/// The latest failed Graph attempt of a lease (`leases.last_error`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LastError {
    /// Short kind, e.g. `transient`, `throttled`, `permanent`.
    pub kind: String,
    /// Description, free of credentials.
    pub message: String,
    /// Graph's request id, for support tickets.
    pub request_id: Option<String>,
    /// When the attempt failed.
    pub at: DateTime<Utc>,
}

/// A row of `leases`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LeaseRecord {
    /// Lease id (UUID v7, aggregate id).
    pub lease_id: String,
    /// The secret leased.
    pub secret: String,
    /// Connection used to reach Graph.
    pub connection: String,
    /// Entra object id of the user.
    pub user_object_id: String,
    /// UPN of the user.
    pub user_principal_name: String,
    /// `requested`, `active`, `activation_failed`, `revoking` or `revoked`.
    pub status: String,
    /// TTL granted at request time, in seconds.
    pub ttl_secs: i64,
    /// When issued.
    pub issued_at: DateTime<Utc>,
    /// Current expiry (after renewals).
    pub expires_at: DateTime<Utc>,
    /// No renewal goes past this.
    pub max_expires_at: DateTime<Utc>,
    /// When the credential was set.
    pub activated_at: Option<DateTime<Utc>>,
    /// When activation gave up.
    pub activation_failed_at: Option<DateTime<Utc>>,
    /// Why activation gave up.
    pub activation_failure: Option<String>,
    /// When revocation was asked for.
    pub revocation_requested_at: Option<DateTime<Utc>>,
    /// When the lease was revoked (confirmed or forced).
    pub revoked_at: Option<DateTime<Utc>>,
    /// `manual`, `expired` or `secret_deleted`.
    pub revocation_reason: Option<String>,
    /// True when an operator forced the revocation.
    pub forced: bool,
    /// True when revocation found the Entra user gone.
    pub user_missing: bool,
    /// Successful renewals.
    pub renewals: i32,
    /// Failed activation attempts.
    pub activation_attempts: i32,
    /// Failed revocation attempts.
    pub revocation_attempts: i32,
    /// True while revocation keeps failing: needs attention.
    pub revocation_failing: bool,
    /// The latest failed Graph attempt.
    pub last_error: Option<LastError>,
    /// Who asked for the lease.
    pub requested_by: String,
    /// The caller's request id, if given.
    pub request_id: Option<String>,
    /// Time of the last event folded into this row.
    pub updated_at: DateTime<Utc>,
    /// Sequence of the last event folded into this row.
    pub last_sequence: i64,
}

/// A row of `lease_activity`: one interval during which a lease held a working credential.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ActivityRecord {
    /// The lease.
    pub lease_id: String,
    /// The secret leased.
    pub secret: String,
    /// UPN of the user whose password it was.
    pub user_principal_name: String,
    /// When the credential started working (LeaseActivated).
    pub valid_from: DateTime<Utc>,
    /// When it stopped (LeaseRevoked); `None` while it may still work.
    pub valid_to: Option<DateTime<Utc>>,
    /// True when an operator forced the end without a confirmed Graph call.
    pub forced: bool,
    /// Who asked for the lease.
    pub requested_by: String,
    /// The caller's request id, if given.
    pub request_id: Option<String>,
}

/// A secret as `secret.get`/`secret.list` reply it: the row plus its TTLs in seconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SecretRecordView {
    /// The row.
    #[serde(flatten)]
    pub record: SecretRecord,
    /// Default lease TTL, seconds (the same as `default_ttl_secs`).
    pub default_ttl: u64,
    /// Max lease TTL, seconds (the same as `max_ttl_secs`).
    pub max_ttl: u64,
}

impl From<SecretRecord> for SecretRecordView {
    fn from(record: SecretRecord) -> Self {
        Self {
            default_ttl: u64::try_from(record.default_ttl_secs).unwrap_or_default(),
            max_ttl: u64::try_from(record.max_ttl_secs).unwrap_or_default(),
            record,
        }
    }
}

/// A lease as `lease.get`/`lease.list` reply it: the row plus its TTL in seconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LeaseRecordView {
    /// The row.
    #[serde(flatten)]
    pub record: LeaseRecord,
    /// TTL granted at request time, seconds (the same as `ttl_secs`).
    pub ttl: u64,
}

impl From<LeaseRecord> for LeaseRecordView {
    fn from(record: LeaseRecord) -> Self {
        Self {
            ttl: u64::try_from(record.ttl_secs).unwrap_or_default(),
            record,
        }
    }
}
