//! Commands accepted by the `Connection` aggregate.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{Cloud, ConnectionName, Sealed, SecretName};

/// What a caller asks of a connection; time arrives as `at`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ConnectionCommand {
    /// Register a connection; the command layer has already obtained a token with these credentials.
    Create {
        /// Name (and aggregate id) of the connection.
        name: ConnectionName,
        /// Entra tenant id (GUID or verified domain).
        tenant_id: String,
        /// Application (client) id of the app registration.
        client_id: String,
        /// The app's client secret, sealed.
        client_secret: Sealed,
        /// Which Microsoft cloud to call.
        cloud: Cloud,
        /// When the command was accepted.
        at: DateTime<Utc>,
    },
    /// Replace the client secret once for every dynamic secret using this connection.
    RotateSecret {
        /// The new client secret, sealed (already verified against Graph).
        client_secret: Sealed,
        /// When the command was accepted.
        at: DateTime<Utc>,
    },
    /// Delete the connection; refused while any secret still uses it.
    Delete {
        /// Secrets the command layer found referencing this connection.
        dependents: Vec<SecretName>,
        /// When the command was accepted.
        at: DateTime<Utc>,
    },
}
