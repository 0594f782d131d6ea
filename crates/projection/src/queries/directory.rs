//! The tenant, as the query service needs it: its users for `users.list`, and what the
//! connection's application may do for `connection.check`.
//!
//! A trait so that this crate does not depend on the Graph client: the wiring crate
//! implements it with `leasehold-graph`, tests with a small in-memory list.

use async_trait::async_trait;
use leasehold_command::CommandError;
use leasehold_domain::ConnectionName;

pub use leasehold_api::DirectoryUser;

/// Lists the users of a connection's tenant (every page).
#[async_trait]
pub trait UserDirectory: Send + Sync {
    /// Users of `connection`'s tenant whose UPN or display name starts with
    /// `starts_with`, or all users. Errors carry an API code (`not_found`,
    /// `graph_error`, `rate_limited`, …).
    async fn list_users(
        &self,
        connection: &ConnectionName,
        starts_with: Option<&str>,
    ) -> Result<Vec<DirectoryUser>, CommandError>;

    /// A fresh token for `connection` and what it grants. Errors carry an API code
    /// (`not_found` for an unknown connection); a refused client secret is not an error
    /// but [`TenantAccess::token_error`].
    async fn check_access(
        &self,
        connection: &ConnectionName,
    ) -> Result<TenantAccess, CommandError> {
        Err(CommandError::unavailable(format!(
            "this directory cannot check connection {connection}"
        )))
    }
}

/// What a connection's application may do, read from a fresh token.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TenantAccess {
    /// Entra's refusal of the client secret, when it gave no token.
    pub token_error: Option<String>,
    /// What the application lacks for password leases.
    pub missing: Vec<String>,
    /// What could not be told from the token.
    pub unknown: Vec<String>,
    /// Whether it may create and delete Temporary Access Passes (`None`: no token).
    pub passes_allowed: Option<bool>,
}
