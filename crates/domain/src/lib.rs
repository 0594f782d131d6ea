//! Pure domain model of leasehold: aggregates, commands, events, errors and TTL policy.
//!
//! Nothing here does I/O, reads a clock or draws random numbers: the current time and any
//! verified fact arrive inside commands, so every decision is a deterministic function.

#![warn(missing_docs)]

mod cloud;
mod connection;
mod error_code;
mod ids;
mod lease;
mod parse_error;
mod sealed;
mod secret;
mod ttl;

pub use cloud::Cloud;
pub use connection::{
    Connection, ConnectionCommand, ConnectionDetails, ConnectionError, ConnectionEvent,
};
pub use error_code::Coded;
pub use ids::{
    Actor, ConnectionName, EntraObjectId, LeaseId, SecretName, StreamId, UserPrincipalName,
};
pub use lease::{
    FailureInfo, FoldedFailures, Lease, LeaseCommand, LeaseError, LeaseEvent, LeaseStatus,
    LeaseTerms, RevocationReason, MAX_ACTIVATION_ATTEMPTS, REVOCATION_FAILING_AFTER,
    THROTTLED_KIND,
};
pub use leasehold_api::ErrorCode;
pub use parse_error::ParseError;
pub use sealed::Sealed;
pub use secret::{
    CredentialKind, DynamicSecret, LiveLease, ReleaseReason, SecretCommand, SecretDefinition,
    SecretError, SecretEvent, TapBounds,
};
pub use ttl::Ttl;

#[cfg(test)]
mod test_support;
