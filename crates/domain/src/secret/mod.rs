//! The `DynamicSecret` aggregate: a named recipe for leasing credentials of one Entra user.

mod aggregate;
mod command;
mod error;
mod event;
mod reservation;
mod tap_rules;

pub use aggregate::{DynamicSecret, LiveLease, SecretDefinition};
pub use command::{CredentialKind, ReleaseReason, SecretCommand, TapBounds};
pub use error::SecretError;
pub use event::SecretEvent;

#[cfg(test)]
mod tests;
