//! The `Lease` aggregate: one credential's life, requested → active → revoking → revoked.

mod aggregate;
mod command;
mod decide;
mod error;
mod event;
mod status;
mod terms;

pub use aggregate::Lease;
pub use command::LeaseCommand;
pub use error::LeaseError;
pub use event::LeaseEvent;
pub use status::{
    FailureInfo, FoldedFailures, LeaseStatus, RevocationReason, MAX_ACTIVATION_ATTEMPTS,
    REVOCATION_FAILING_AFTER, THROTTLED_KIND,
};
pub use terms::LeaseTerms;

#[cfg(test)]
mod tests;
