//! Errors from the emulator's in-process and admin API.

use uuid::Uuid;

/// Why a directory change through [`crate::EmulatorHandle`] or the admin API failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EmulatorError {
    /// No tenant has this id or domain.
    #[error("unknown tenant {0}")]
    UnknownTenant(String),
    /// No user has this id or user principal name.
    #[error("unknown user {0}")]
    UnknownUser(String),
    /// A user with this id or UPN already exists.
    #[error("user {0} already exists")]
    DuplicateUser(String),
    /// The user principal name is not `name@domain`.
    #[error("invalid user principal name {0:?}")]
    InvalidUser(String),
    /// An application with this client id already exists in the tenant.
    #[error("application {0} already exists")]
    DuplicateApp(Uuid),
    /// Temporary Access Pass settings out of range (lifetimes 1 ≤ min ≤ default ≤ max ≤
    /// 43,200 minutes, length 8–48).
    #[error("invalid Temporary Access Pass policy: lifetimes must satisfy 1 <= min <= default <= max <= 43200 minutes, length 8 to 48")]
    InvalidTapPolicy,
    /// A signing key could not be made, or is not one to retire.
    #[error(transparent)]
    Key(#[from] crate::jwt::JwtError),
}
