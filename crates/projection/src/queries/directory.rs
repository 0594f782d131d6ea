//! The tenant's user directory, as the query service needs it for `users.list`.
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
}
