//! Events of the `Connection` aggregate. Variant names are frozen storage keys.

use chrono::{DateTime, Utc};
use cqrs_es::DomainEvent;
use leasehold_api::events::ConnectionEventType;
use serde::{Deserialize, Serialize};

use crate::{Cloud, ConnectionName, Sealed};

/// Something that happened to a connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ConnectionEvent {
    /// A connection was registered.
    ConnectionCreated {
        /// Name (and aggregate id) of the connection.
        name: ConnectionName,
        /// Entra tenant id.
        tenant_id: String,
        /// Application (client) id.
        client_id: String,
        /// Sealed client secret.
        client_secret: Sealed,
        /// Microsoft cloud.
        cloud: Cloud,
        /// When it was created.
        created_at: DateTime<Utc>,
    },
    /// The client secret was replaced.
    ConnectionSecretRotated {
        /// The new sealed client secret.
        client_secret: Sealed,
        /// When it was rotated.
        rotated_at: DateTime<Utc>,
    },
    /// The connection was deleted.
    ConnectionDeleted {
        /// When it was deleted.
        deleted_at: DateTime<Utc>,
    },
}

impl DomainEvent for ConnectionEvent {
    fn event_type(&self) -> String {
        match self {
            ConnectionEvent::ConnectionCreated { .. } => ConnectionEventType::ConnectionCreated,
            ConnectionEvent::ConnectionSecretRotated { .. } => {
                ConnectionEventType::ConnectionSecretRotated
            }
            ConnectionEvent::ConnectionDeleted { .. } => ConnectionEventType::ConnectionDeleted,
        }
        .as_str()
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
