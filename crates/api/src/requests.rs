//! Request payloads, one struct per operation. Unknown fields are refused; names stay
//! strings here and are parsed into the engine's types (answering which field was wrong).

use schemars::JsonSchema;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::{Cloud, CredentialKind, LeaseStatus, TtlInput};

/// `connection.create`: register an Entra application.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectionCreate {
    /// Connection name (a slug).
    pub name: String,
    /// Entra tenant id.
    pub tenant_id: String,
    /// Application (client) id.
    pub client_id: String,
    /// The application's client secret; sealed before it is stored.
    #[schemars(with = "String")]
    pub client_secret: SecretString,
    /// The Microsoft cloud (default: global).
    #[serde(default)]
    pub cloud: Cloud,
    /// Store it without asking Entra whether the application holds the Graph permissions
    /// and directory role it needs (a setup that cannot reach Entra).
    #[serde(default)]
    pub skip_verify: bool,
}

/// `connection.rotate`: a new client secret for every secret using the connection.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectionRotate {
    /// Connection name.
    pub name: String,
    /// The new client secret.
    #[schemars(with = "String")]
    pub client_secret: SecretString,
    /// Store it without asking Entra whether the application holds the Graph permissions
    /// and directory role it needs (a setup that cannot reach Entra).
    #[serde(default)]
    pub skip_verify: bool,
}

/// `{"name": …}`: `connection.delete`, `secret.delete`, `connection.get`, `secret.get`.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ByName {
    /// The connection's or secret's name.
    pub name: String,
}

/// `secret.create`: one dynamic secret per user.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretCreate {
    /// The connection of the users' tenant.
    pub connection: String,
    /// Name prefix; secrets are named `<prefix>-<user slug>`.
    pub prefix: String,
    /// Users by object id or UPN (1 to 100).
    pub users: Vec<String>,
    /// Default lease TTL (default 1h).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_ttl: Option<TtlInput>,
    /// Max lease TTL (default 1d; for a Temporary Access Pass, the policy's maximum when
    /// that is shorter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ttl: Option<TtlInput>,
    /// Kind of credential the leases hand out (default `password`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_kind: Option<CredentialKind>,
    /// `temporary_access_pass` only: each pass signs in once only.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub usable_once: bool,
}

/// `secret.update`: new TTLs or another connection.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretUpdate {
    /// The secret.
    pub name: String,
    /// New default lease TTL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_ttl: Option<TtlInput>,
    /// New max lease TTL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ttl: Option<TtlInput>,
    /// Another connection (of the same tenant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<String>,
}

/// `lease.create`: a credential for a secret's user.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaseCreate {
    /// The secret to lease.
    pub secret: String,
    /// TTL (default: the secret's default TTL; at most its max TTL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<TtlInput>,
}

/// `lease.renew`: move a lease's expiry to now + `ttl` (capped at its max).
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaseRenew {
    /// The lease.
    pub lease_id: String,
    /// Increment (default: the secret's default TTL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<TtlInput>,
    /// A renewal never moves the expiry earlier unless this says so.
    #[serde(default)]
    pub shorten: bool,
}

/// `lease.revoke`: one lease, the live lease of a secret, or (admins) every live lease
/// of secrets named with a prefix, of a connection, or requested by an actor.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaseRevoke {
    /// The lease (or give `secret`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_id: Option<String>,
    /// The secret whose live lease to revoke (or give `lease_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Bulk (admins): live leases of every secret whose name starts with this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// Bulk (admins): live leases of every secret on this connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<String>,
    /// Bulk (admins): live leases this actor requested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_by: Option<String>,
    /// Close the lease without Graph's confirmation (needs `lease.force_revoke`).
    #[serde(default)]
    pub force: bool,
}

impl LeaseRevoke {
    /// Whether this names leases by a bulk selector.
    pub fn is_bulk(&self) -> bool {
        self.prefix.is_some() || self.connection.is_some() || self.requested_by.is_some()
    }
}

/// `{}`: `connection.list`, `audit.verify` without parameters.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

/// `secret.list`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretList {
    /// Only the secrets of this connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<String>,
    /// Page size (1 to 1000, default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The `next` of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

/// `lease.get`.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaseGet {
    /// The lease.
    pub lease_id: String,
    /// Also open the credential (the requesting actor's active lease only).
    #[serde(default)]
    pub credentials: bool,
}

/// `lease.list`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaseList {
    /// Only leases of this secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Only leases in this status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<LeaseStatus>,
    /// Only leases this actor requested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_by: Option<String>,
    /// Page size (1 to 1000, default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The `next` of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// `ascending` (oldest first, the default) or `descending` (newest first).
    #[serde(default, skip_serializing_if = "Order::is_ascending")]
    pub order: Order,
}

/// Which way a list runs through its keys.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    /// Smallest key first (for leases, UUID v7 ids: oldest first).
    #[default]
    Ascending,
    /// Largest key first (newest lease first); `after` continues downwards.
    Descending,
}

impl Order {
    /// Whether this is the default order.
    pub fn is_ascending(&self) -> bool {
        *self == Order::Ascending
    }
}

/// `users.list`.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UsersList {
    /// The connection of the tenant.
    pub connection: String,
    /// Only users whose UPN or display name starts with this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_with: Option<String>,
}

/// `audit.history`: exactly one of `lease_id` and `secret`; paged by event sequence.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditHistory {
    /// The lease whose events to list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_id: Option<String>,
    /// The secret whose events to list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// The `next` of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<i64>,
    /// Page size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// `audit.at`: who held a working password for `user` at `time`.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditAt {
    /// The user's UPN.
    pub user: String,
    /// An RFC 3339 time.
    pub time: String,
}

/// `audit.export`: every event recorded in `[from, to)`, paged by global position.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditExport {
    /// RFC 3339 start (inclusive).
    pub from: String,
    /// RFC 3339 end (exclusive).
    pub to: String,
    /// The `next` of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<i64>,
    /// Page size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// `audit.verify`: check the store, optionally against a head a checkpoint recorded.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditVerify {
    /// The head of the global log as `audit.anchor` gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub against: Option<LogHead>,
}

/// Where the global event log ends: what a checkpoint records.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub struct LogHead {
    /// Events logged so far (the last position).
    pub position: i64,
    /// Lowercase hex running hash at `position` (empty when nothing is logged).
    pub running_hash: String,
}
