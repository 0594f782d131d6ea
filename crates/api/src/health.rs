//! `connection.check`: whether a connection can do leasehold's work now.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::LastError;

/// What `connection.check` found: a fresh token from Entra, what that token grants, and
/// the latest Graph failure of a lease on the connection.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ConnectionHealth {
    /// The connection.
    pub name: String,
    /// When the check ran.
    pub checked_at: DateTime<Utc>,
    /// True when Entra issued a token and it grants everything password leases need.
    pub healthy: bool,
    /// Whether Entra issued a token for the connection's client secret just now.
    pub token_ok: bool,
    /// Entra's refusal when it did not (e.g. `AADSTS7000215: Invalid client secret
    /// provided…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_error: Option<String>,
    /// What the application lacks for password leases: Graph application permissions and
    /// a directory role that can reset passwords. Empty when nothing is missing.
    pub missing: Vec<String>,
    /// What could not be told from the token (e.g. a token without `wids`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<String>,
    /// Whether the application may create and delete Temporary Access Passes
    /// (`UserAuthenticationMethod.ReadWrite.All`); unknown without a token.
    pub passes_allowed: Option<bool>,
    /// The latest failed Graph attempt of any lease on this connection, if any.
    pub last_graph_error: Option<LeaseGraphError>,
}

/// A lease's latest failed Graph attempt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LeaseGraphError {
    /// The lease.
    pub lease_id: String,
    /// The secret leased.
    pub secret: String,
    /// The failure.
    #[serde(flatten)]
    pub error: LastError,
}
