//! The views of aggregate state that replies carry (`leasehold-api`'s types). They never
//! include a credential.

use leasehold_api::{ConnectionView, LeaseView, SecretView};
use leasehold_domain::{Connection, CredentialKind, DynamicSecret, Lease};
use serde::Serialize;
use serde_json::Value;

/// A connection without its sealed secret.
pub fn connection_view(c: &Connection) -> Option<ConnectionView> {
    let d = c.details()?;
    Some(ConnectionView {
        name: d.name.to_string(),
        tenant_id: d.tenant_id.clone(),
        client_id: d.client_id.clone(),
        cloud: d.cloud.clone(),
        created_at: d.created_at,
        rotated_at: d.rotated_at,
        deleted: c.is_deleted(),
    })
}

/// A dynamic secret, TTLs in seconds.
pub fn secret_view(s: &DynamicSecret) -> Option<SecretView> {
    let d = s.definition()?;
    Some(SecretView {
        name: d.name.to_string(),
        connection: d.connection.to_string(),
        user_object_id: d.user_object_id.to_string(),
        user_principal_name: d.user_principal_name.to_string(),
        display_name: d.display_name.clone(),
        default_ttl: d.default_ttl.as_secs(),
        max_ttl: d.max_ttl.as_secs(),
        credential_kind: match d.credential_kind {
            CredentialKind::Password => leasehold_api::CredentialKind::Password,
            CredentialKind::TemporaryAccessPass { .. } => {
                leasehold_api::CredentialKind::TemporaryAccessPass
            }
        },
        usable_once: match d.credential_kind {
            CredentialKind::Password => None,
            CredentialKind::TemporaryAccessPass { usable_once } => Some(usable_once),
        },
        tap_policy: d.tap_bounds.map(|b| leasehold_api::TapLifetimeBounds {
            min_lifetime_minutes: b.min_minutes,
            max_lifetime_minutes: b.max_minutes,
        }),
        live_lease_id: s.live_lease().map(|l| l.lease_id.to_string()),
        created_at: d.created_at,
        updated_at: d.updated_at,
        deleted: s.is_deleted(),
        revoked_lease_id: None,
    })
}

/// A lease's public facts, TTL in seconds.
pub fn lease_view(l: &Lease) -> Option<LeaseView> {
    let t = l.terms()?;
    Some(LeaseView {
        lease_id: t.lease_id.to_string(),
        secret: t.secret.to_string(),
        connection: t.connection.to_string(),
        user_principal_name: t.user_principal_name.to_string(),
        status: l.status()?,
        ttl: t.ttl.as_secs(),
        issued_at: t.issued_at,
        expires_at: t.expires_at,
        max_expires_at: t.max_expires_at,
        renewals: l.renewals(),
        activation_attempts: l.activation_attempts(),
        revocation_attempts: l.revocation_attempts(),
        revocation_failing: l.revocation_failing(),
        revocation_reason: l.revocation_reason(),
        requested_by: t.requested_by.to_string(),
        request_id: t.request_id.clone(),
    })
}

/// A connection as a reply value (`null` when it does not exist).
pub fn connection(c: &Connection) -> Value {
    value(&connection_view(c))
}

/// A dynamic secret as a reply value (`null` when it does not exist).
pub fn secret(s: &DynamicSecret) -> Value {
    value(&secret_view(s))
}

/// A lease as a reply value (`null` when it does not exist).
pub fn lease(l: &Lease) -> Value {
    value(&lease_view(l))
}

/// A reply type as a JSON value.
pub fn value(v: &impl Serialize) -> Value {
    // The api types are strings, numbers, booleans, times and enums of them:
    // serializing cannot fail.
    serde_json::to_value(v).unwrap_or(Value::Null)
}
