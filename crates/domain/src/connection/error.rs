//! Why the `Connection` aggregate refused a command.

use crate::SecretName;

/// A refused connection command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectionError {
    /// A connection with this name was already created.
    #[error(
        "a connection with this name already exists; choose another name or rotate its secret"
    )]
    AlreadyExists,
    /// The connection was never created, or has been deleted.
    #[error("connection not found; list connections to check the name")]
    NotFound,
    /// Secrets still use the connection.
    #[error("connection is used by secrets {}; delete them or point them at another connection first", join(.secrets))]
    InUse {
        /// The secrets that reference the connection.
        secrets: Vec<SecretName>,
    },
}

fn join(names: &[SecretName]) -> String {
    names
        .iter()
        .map(SecretName::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}
