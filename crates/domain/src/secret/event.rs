//! Events of the `DynamicSecret` aggregate. Variant names are frozen storage keys.

use chrono::{DateTime, Utc};
use cqrs_es::DomainEvent;
use leasehold_api::events::SecretEventType;
use serde::{Deserialize, Serialize};

use super::{CredentialKind, ReleaseReason, TapBounds};
use crate::{ConnectionName, EntraObjectId, LeaseId, SecretName, Ttl, UserPrincipalName};

/// Something that happened to a dynamic secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SecretEvent {
    /// A secret was defined.
    SecretCreated {
        /// Name (and aggregate id).
        name: SecretName,
        /// Connection used to reach Graph.
        connection: ConnectionName,
        /// Object id of the Entra user.
        user_object_id: EntraObjectId,
        /// UPN of the Entra user.
        user_principal_name: UserPrincipalName,
        /// Display name of the Entra user.
        display_name: String,
        /// Default lease TTL.
        default_ttl: Ttl,
        /// Max lease TTL.
        max_ttl: Ttl,
        /// Kind of credential handed out.
        credential_kind: CredentialKind,
        /// The tenant's TAP policy bounds read at creation (TAP secrets only).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tap_bounds: Option<TapBounds>,
        /// When it was created.
        created_at: DateTime<Utc>,
    },
    /// Settings changed; carries the resulting values, not deltas.
    SecretUpdated {
        /// Default TTL after the update.
        default_ttl: Ttl,
        /// Max TTL after the update.
        max_ttl: Ttl,
        /// Connection after the update.
        connection: ConnectionName,
        /// When it was updated.
        updated_at: DateTime<Utc>,
    },
    /// The secret was deleted.
    SecretDeleted {
        /// The lease that was live at deletion (revoked by the command layer), if any.
        live_lease: Option<LeaseId>,
        /// When it was deleted.
        deleted_at: DateTime<Utc>,
    },
    /// The live-lease slot was claimed.
    LeaseReserved {
        /// The lease holding the slot.
        lease_id: LeaseId,
        /// Resolved TTL (requested or default).
        ttl: Ttl,
        /// When the lease was issued.
        issued_at: DateTime<Utc>,
        /// `issued_at + ttl`.
        expires_at: DateTime<Utc>,
        /// `issued_at + max_ttl`: no renewal goes past this.
        max_expires_at: DateTime<Utc>,
    },
    /// The live-lease slot was freed.
    LeaseReleased {
        /// The lease that held the slot.
        lease_id: LeaseId,
        /// Why it was freed.
        reason: ReleaseReason,
        /// When it was freed.
        released_at: DateTime<Utc>,
    },
}

impl DomainEvent for SecretEvent {
    fn event_type(&self) -> String {
        match self {
            SecretEvent::SecretCreated { .. } => SecretEventType::SecretCreated,
            SecretEvent::SecretUpdated { .. } => SecretEventType::SecretUpdated,
            SecretEvent::SecretDeleted { .. } => SecretEventType::SecretDeleted,
            SecretEvent::LeaseReserved { .. } => SecretEventType::LeaseReserved,
            SecretEvent::LeaseReleased { .. } => SecretEventType::LeaseReleased,
        }
        .as_str()
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
