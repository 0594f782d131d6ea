//! JSON views of aggregate state for replies. They never include a credential.

use leasehold_domain::{Connection, DynamicSecret, Lease};
use serde_json::{json, Value};

/// A connection without its sealed secret.
pub fn connection(c: &Connection) -> Value {
    match c.details() {
        Some(d) => json!({
            "name": d.name,
            "tenant_id": d.tenant_id,
            "client_id": d.client_id,
            "cloud": d.cloud,
            "created_at": d.created_at,
            "rotated_at": d.rotated_at,
            "deleted": c.is_deleted(),
        }),
        None => Value::Null,
    }
}

/// A dynamic secret.
pub fn secret(s: &DynamicSecret) -> Value {
    match s.definition() {
        Some(d) => json!({
            "name": d.name,
            "connection": d.connection,
            "user_object_id": d.user_object_id,
            "user_principal_name": d.user_principal_name,
            "display_name": d.display_name,
            "default_ttl": d.default_ttl.as_secs(),
            "max_ttl": d.max_ttl.as_secs(),
            "credential_kind": d.credential_kind,
            "live_lease_id": s.live_lease().map(|l| l.lease_id),
            "created_at": d.created_at,
            "updated_at": d.updated_at,
            "deleted": s.is_deleted(),
        }),
        None => Value::Null,
    }
}

/// A lease's public facts.
pub fn lease(l: &Lease) -> Value {
    match l.terms() {
        Some(t) => json!({
            "lease_id": t.lease_id,
            "secret": t.secret,
            "connection": t.connection,
            "user_principal_name": t.user_principal_name,
            "status": l.status(),
            "ttl": t.ttl.as_secs(),
            "issued_at": t.issued_at,
            "expires_at": t.expires_at,
            "max_expires_at": t.max_expires_at,
            "renewals": l.renewals(),
            "activation_attempts": l.activation_attempts(),
            "revocation_attempts": l.revocation_attempts(),
            "revocation_failing": l.revocation_failing(),
            "revocation_reason": l.revocation_reason(),
            "requested_by": t.requested_by,
            "request_id": t.request_id,
        }),
        None => Value::Null,
    }
}
