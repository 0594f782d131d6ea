//! The public payloads of the events published on `<prefix>.evt.<aggregate_type>.<id>.<event_type>`,
//! for consumers outside the domain (the worker, the CLI, other-language clients).
//!
//! A payload is the stored event, tagged by its type: `{"LeaseRevoked": {...}}`. Sealed
//! values (a connection's client secret, a lease's credential) are left out of these
//! types: a consumer has no use for them. Unknown fields are ignored, so a payload that
//! gains a field still decodes.

use std::fmt;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{Cloud, CredentialKind, RevocationReason};

/// The aggregate an event belongs to (the `aggregate_type` token of its subject).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum AggregateType {
    /// An Entra application registration.
    Connection,
    /// One Entra user under one connection.
    DynamicSecret,
    /// One issued credential.
    Lease,
}

impl AggregateType {
    /// The stored name, e.g. `DynamicSecret`.
    pub fn as_str(self) -> &'static str {
        match self {
            AggregateType::Connection => "Connection",
            AggregateType::DynamicSecret => "DynamicSecret",
            AggregateType::Lease => "Lease",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Option<AggregateType> {
        [
            AggregateType::Connection,
            AggregateType::DynamicSecret,
            AggregateType::Lease,
        ]
        .into_iter()
        .find(|t| t.as_str() == name)
    }
}

impl fmt::Display for AggregateType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! event_types {
    ($name:ident { $($variant:ident),* $(,)? }) => {
        /// The frozen event type names of one aggregate.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
        pub enum $name {
            $(
                #[doc = concat!("`", stringify!($variant), "`")]
                $variant,
            )*
        }

        impl $name {
            /// Every event type of the aggregate.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The stored name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => stringify!($variant),)*
                }
            }

            /// Parses a stored name.
            pub fn parse(name: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|t| t.as_str() == name)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

event_types!(LeaseEventType {
    LeaseRequested,
    LeaseActivated,
    ActivationAttemptFailed,
    LeaseActivationFailed,
    LeaseRenewed,
    LeaseRevocationRequested,
    RevocationAttemptFailed,
    LeaseRevoked,
    ForcedRevocationConfirmed,
});

event_types!(SecretEventType {
    SecretCreated,
    SecretUpdated,
    SecretDeleted,
    LeaseReserved,
    LeaseReleased,
});

event_types!(ConnectionEventType {
    ConnectionCreated,
    ConnectionSecretRotated,
    ConnectionDeleted,
});

impl LeaseEventType {
    /// The events after which a new lease is settled: activated, failed, or ended.
    pub fn settles_a_request(self) -> bool {
        matches!(
            self,
            LeaseEventType::LeaseActivated
                | LeaseEventType::LeaseActivationFailed
                | LeaseEventType::LeaseRevocationRequested
                | LeaseEventType::LeaseRevoked
        )
    }
}

/// A failed Graph call, as recorded in events. Messages never contain secrets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Failure {
    /// Short kind, e.g. `transient`, `throttled`, `permanent`.
    pub kind: String,
    /// Description, free of credentials.
    pub message: String,
    /// Graph's `request-id`, for support tickets.
    pub request_id: Option<String>,
}

/// The public payload of a lease event. TTLs are whole seconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub enum LeaseEventPayload {
    /// A lease was recorded with these terms.
    LeaseRequested {
        /// Lease id.
        lease_id: String,
        /// The secret leased.
        secret: String,
        /// Connection used to reach Graph.
        connection: String,
        /// Entra object id of the user.
        user_object_id: String,
        /// UPN of the user.
        user_principal_name: String,
        /// The secret's default TTL when the lease was reserved, seconds.
        default_ttl: u64,
        /// TTL granted, seconds.
        ttl: u64,
        /// When issued.
        issued_at: DateTime<Utc>,
        /// Expiry.
        expires_at: DateTime<Utc>,
        /// No renewal goes past this.
        max_expires_at: DateTime<Utc>,
        /// Who asked.
        requested_by: String,
        /// The caller's request id, if given.
        request_id: Option<String>,
    },
    /// The credential was set (the sealed credential is not part of this view).
    LeaseActivated {
        /// When.
        activated_at: DateTime<Utc>,
    },
    /// One activation attempt failed.
    ActivationAttemptFailed {
        /// 1-based attempt number.
        attempt: u32,
        /// What went wrong.
        error: Failure,
        /// When.
        failed_at: DateTime<Utc>,
    },
    /// Activation gave up (terminal).
    LeaseActivationFailed {
        /// Why.
        reason: String,
        /// When.
        failed_at: DateTime<Utc>,
    },
    /// The lease was extended.
    LeaseRenewed {
        /// The new expiry.
        expires_at: DateTime<Utc>,
        /// True when the max TTL cut the increment short.
        capped: bool,
        /// When.
        renewed_at: DateTime<Utc>,
    },
    /// Revocation was asked for.
    LeaseRevocationRequested {
        /// Why.
        reason: RevocationReason,
        /// When.
        requested_at: DateTime<Utc>,
    },
    /// One revocation attempt failed (possibly standing for `folded` more).
    RevocationAttemptFailed {
        /// 1-based attempt number.
        attempt: u32,
        /// What went wrong.
        error: Failure,
        /// When.
        failed_at: DateTime<Utc>,
        /// True from the alert threshold on.
        failing: bool,
        /// Earlier identical failures folded into this event.
        #[serde(default)]
        folded: u32,
    },
    /// The credential is invalidated, or an operator forced the lease closed.
    LeaseRevoked {
        /// Why.
        reason: RevocationReason,
        /// True when forced without a confirmed Graph call.
        forced: bool,
        /// When.
        revoked_at: DateTime<Utc>,
        /// True when the Entra user no longer existed.
        #[serde(default)]
        user_missing: bool,
        /// True when the credential was already gone from Entra: a Temporary Access
        /// Pass that Entra itself expired (or that was deleted there).
        #[serde(default)]
        credential_gone: bool,
    },
    /// After a forced revocation, Graph confirmed the password is useless.
    ForcedRevocationConfirmed {
        /// When.
        confirmed_at: DateTime<Utc>,
        /// True when the Entra user no longer existed.
        user_missing: bool,
    },
}

/// The public payload of a dynamic secret event. TTLs are whole seconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub enum SecretEventPayload {
    /// A secret was defined.
    SecretCreated {
        /// Name.
        name: String,
        /// Connection.
        connection: String,
        /// Entra object id of the user.
        user_object_id: String,
        /// UPN of the user.
        user_principal_name: String,
        /// Display name of the user.
        display_name: String,
        /// Default lease TTL, seconds.
        default_ttl: u64,
        /// Max lease TTL, seconds.
        max_ttl: u64,
        /// Kind of credential its leases hand out (`password` in events written before
        /// there were kinds).
        #[serde(default, deserialize_with = "crate::vocabulary::stored_kind")]
        #[schemars(with = "CredentialKind")]
        credential_kind: CredentialKind,
        /// When.
        created_at: DateTime<Utc>,
    },
    /// Settings changed (resulting values).
    SecretUpdated {
        /// Default lease TTL, seconds.
        default_ttl: u64,
        /// Max lease TTL, seconds.
        max_ttl: u64,
        /// Connection.
        connection: String,
        /// When.
        updated_at: DateTime<Utc>,
    },
    /// The secret was deleted.
    SecretDeleted {
        /// The live lease it had.
        live_lease: Option<String>,
        /// When.
        deleted_at: DateTime<Utc>,
    },
    /// The secret's single live slot was reserved for a lease.
    LeaseReserved {
        /// The lease.
        lease_id: String,
        /// TTL, seconds.
        ttl: u64,
        /// When issued.
        issued_at: DateTime<Utc>,
        /// Expiry.
        expires_at: DateTime<Utc>,
        /// No renewal goes past this.
        max_expires_at: DateTime<Utc>,
    },
    /// The slot was released.
    LeaseReleased {
        /// The lease.
        lease_id: String,
        /// `ended` or `orphaned`.
        reason: String,
        /// When.
        released_at: DateTime<Utc>,
    },
}

/// The public payload of a connection event (the sealed client secret is left out).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub enum ConnectionEventPayload {
    /// A connection was registered.
    ConnectionCreated {
        /// Name.
        name: String,
        /// Entra tenant id.
        tenant_id: String,
        /// Application id.
        client_id: String,
        /// The cloud.
        cloud: Cloud,
        /// When.
        created_at: DateTime<Utc>,
    },
    /// The client secret was rotated.
    ConnectionSecretRotated {
        /// When.
        rotated_at: DateTime<Utc>,
    },
    /// The connection was deleted.
    ConnectionDeleted {
        /// When.
        deleted_at: DateTime<Utc>,
    },
}

/// A payload of any aggregate, decoded by the aggregate type of its envelope.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum EventPayload {
    /// A lease event.
    Lease(LeaseEventPayload),
    /// A dynamic secret event.
    Secret(SecretEventPayload),
    /// A connection event.
    Connection(ConnectionEventPayload),
}

impl EventPayload {
    /// Decodes `payload` (the stored, tagged event) of an event of `aggregate`.
    pub fn decode(
        aggregate: AggregateType,
        payload: &serde_json::Value,
    ) -> Result<EventPayload, serde_json::Error> {
        Ok(match aggregate {
            AggregateType::Lease => EventPayload::Lease(LeaseEventPayload::deserialize(payload)?),
            AggregateType::DynamicSecret => {
                EventPayload::Secret(SecretEventPayload::deserialize(payload)?)
            }
            AggregateType::Connection => {
                EventPayload::Connection(ConnectionEventPayload::deserialize(payload)?)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_stored_revocation_decodes_with_its_forced_flag() {
        let stored = json!({"LeaseRevoked": {"reason": "manual", "forced": true,
            "revoked_at": "2026-01-01T00:00:00Z"}});
        let decoded = EventPayload::decode(AggregateType::Lease, &stored).expect("decodes");
        assert!(matches!(
            decoded,
            EventPayload::Lease(LeaseEventPayload::LeaseRevoked {
                forced: true,
                user_missing: false,
                ..
            })
        ));
    }

    #[test]
    fn a_stored_secret_shows_its_credential_kind() {
        let stored = |kind: serde_json::Value| {
            let mut created = json!({"SecretCreated": {"name": "s", "connection": "c",
                "user_object_id": "u", "user_principal_name": "u@x", "display_name": "U",
                "default_ttl": 60, "max_ttl": 60, "created_at": "2026-01-01T00:00:00Z"}});
            if !kind.is_null() {
                created["SecretCreated"]["credential_kind"] = kind;
            }
            match EventPayload::decode(AggregateType::DynamicSecret, &created) {
                Ok(EventPayload::Secret(SecretEventPayload::SecretCreated {
                    credential_kind,
                    ..
                })) => credential_kind,
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(stored(serde_json::Value::Null), CredentialKind::Password);
        assert_eq!(stored(json!("password")), CredentialKind::Password);
        assert_eq!(
            stored(json!({"temporary_access_pass": {"usable_once": true}})),
            CredentialKind::TemporaryAccessPass
        );
    }

    #[test]
    fn sealed_values_are_ignored() {
        let stored = json!({"LeaseActivated": {"credential": {"ciphertext": "x"},
            "activated_at": "2026-01-01T00:00:00Z"}});
        assert!(LeaseEventPayload::deserialize(&stored).is_ok());
        assert_eq!(
            LeaseEventType::parse("LeaseActivated"),
            Some(LeaseEventType::LeaseActivated)
        );
        assert_eq!(
            AggregateType::parse("DynamicSecret"),
            Some(AggregateType::DynamicSecret)
        );
    }
}
