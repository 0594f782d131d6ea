//! Small enums the wire and the stored events share: a lease's status, why it was
//! revoked, and the Microsoft cloud of a connection. Their names are frozen: they are
//! read back from events written years ago.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Where a lease is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LeaseStatus {
    /// Recorded; the worker has not yet set the credential.
    Requested,
    /// The credential is set and handed out.
    Active,
    /// Activation gave up; no credential was handed out (terminal).
    ActivationFailed,
    /// Revocation was asked for; the worker is invalidating the credential.
    Revoking,
    /// The credential is invalidated (terminal).
    Revoked,
}

impl LeaseStatus {
    /// Every status, in the order of a lease's life.
    pub const ALL: &'static [LeaseStatus] = &[
        LeaseStatus::Requested,
        LeaseStatus::Active,
        LeaseStatus::ActivationFailed,
        LeaseStatus::Revoking,
        LeaseStatus::Revoked,
    ];

    /// The snake_case name used in APIs and read models.
    pub fn as_str(self) -> &'static str {
        match self {
            LeaseStatus::Requested => "requested",
            LeaseStatus::Active => "active",
            LeaseStatus::ActivationFailed => "activation_failed",
            LeaseStatus::Revoking => "revoking",
            LeaseStatus::Revoked => "revoked",
        }
    }

    /// What the status means, in one line for people (command-line help).
    pub fn meaning(self) -> &'static str {
        match self {
            LeaseStatus::Requested => "Recorded, password not set yet.",
            LeaseStatus::Active => "Password set and handed out.",
            LeaseStatus::ActivationFailed => "Entra refused to set the password.",
            LeaseStatus::Revoking => "Being revoked.",
            LeaseStatus::Revoked => "Revoked.",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(name: &str) -> Option<LeaseStatus> {
        Self::ALL.iter().copied().find(|s| s.as_str() == name)
    }

    /// True while a credential may exist or be about to: requested, active or revoking.
    pub fn is_live(self) -> bool {
        matches!(
            self,
            LeaseStatus::Requested | LeaseStatus::Active | LeaseStatus::Revoking
        )
    }
}

impl fmt::Display for LeaseStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a lease is being revoked (forcing is recorded separately).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RevocationReason {
    /// Someone asked for it.
    Manual,
    /// Its `expires_at` passed.
    Expired,
    /// Its secret was deleted.
    SecretDeleted,
}

impl RevocationReason {
    /// The snake_case name used in APIs and read models.
    pub fn as_str(self) -> &'static str {
        match self {
            RevocationReason::Manual => "manual",
            RevocationReason::Expired => "expired",
            RevocationReason::SecretDeleted => "secret_deleted",
        }
    }
}

impl fmt::Display for RevocationReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A Microsoft national cloud, or custom endpoints (e.g. an emulator in tests). Only
/// what a connection records; the hosts of each cloud are the Graph client's business.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Cloud {
    /// Microsoft Entra ID worldwide.
    #[default]
    Global,
    /// Azure US Government (GCC High).
    UsGov,
    /// Azure US Government DoD.
    UsGovDod,
    /// Azure China (21Vianet).
    China,
    /// Explicit endpoints; used for sovereign setups and the test emulator.
    Custom {
        /// Base URL of the token endpoint host, e.g. `https://login.microsoftonline.com`.
        login_url: String,
        /// Base URL of Microsoft Graph, e.g. `https://graph.microsoft.com`.
        graph_url: String,
    },
}

/// The kind of credential a dynamic secret's leases hand out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CredentialKind {
    /// A fresh password set on the user; leasehold takes it back at expiry.
    #[default]
    Password,
    /// A Temporary Access Pass whose lifetime Entra enforces: it stops at the lease's
    /// expiry even if leasehold is down. Its TTLs must be whole minutes within the
    /// tenant's TAP policy, and its leases cannot be renewed.
    TemporaryAccessPass,
}

impl CredentialKind {
    /// Every kind.
    pub const ALL: &'static [CredentialKind] = &[
        CredentialKind::Password,
        CredentialKind::TemporaryAccessPass,
    ];

    /// The snake_case name used in APIs and read models.
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialKind::Password => "password",
            CredentialKind::TemporaryAccessPass => "temporary_access_pass",
        }
    }

    /// The kind's name for people, e.g. on the dashboard.
    pub fn title(self) -> &'static str {
        match self {
            CredentialKind::Password => "Password",
            CredentialKind::TemporaryAccessPass => "Temporary Access Pass",
        }
    }

    /// What the kind means, in one line for people (command-line help).
    pub fn meaning(self) -> &'static str {
        match self {
            CredentialKind::Password => "A fresh password; leasehold takes it back at expiry.",
            CredentialKind::TemporaryAccessPass => {
                "A Temporary Access Pass; Entra itself ends it at expiry (not renewable)."
            }
        }
    }

    /// Parses the snake_case name.
    pub fn parse(name: &str) -> Option<CredentialKind> {
        Self::ALL.iter().copied().find(|k| k.as_str() == name)
    }
}

impl fmt::Display for CredentialKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Reads a credential kind as the events store it: `"password"`, or
/// `{"temporary_access_pass": {…}}` (the kind's settings are not part of this view).
pub(crate) fn stored_kind<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<CredentialKind, D::Error> {
    use serde::de::Error;
    let value = serde_json::Value::deserialize(deserializer)?;
    let name = match &value {
        serde_json::Value::String(name) => Some(name.as_str()),
        serde_json::Value::Object(map) if map.len() == 1 => map.keys().next().map(String::as_str),
        _ => None,
    };
    name.and_then(CredentialKind::parse)
        .ok_or_else(|| D::Error::custom(format!("not a credential kind: {value}")))
}

/// The tenant's Temporary Access Pass policy bounds a TAP secret was created under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TapLifetimeBounds {
    /// Shortest pass the policy allows, minutes.
    pub min_lifetime_minutes: u32,
    /// Longest pass the policy allows, minutes.
    pub max_lifetime_minutes: u32,
}
