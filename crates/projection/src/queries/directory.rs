//! The tenant's user directory, as the query service needs it for `users.list`.
//!
//! A trait so that this crate does not depend on the Graph client: the wiring crate
//! implements it with `leasehold-graph`, tests with a small in-memory list.

use async_trait::async_trait;
use leasehold_command::CommandError;
use leasehold_domain::ConnectionName;
use serde::{Deserialize, Serialize};

/// One Entra user, as offered for picking when a dynamic secret is created.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryUser {
    /// Object id (a GUID), stable across renames.
    pub object_id: String,
    /// Sign-in name, e.g. `alice@contoso.onmicrosoft.com`.
    pub user_principal_name: String,
    /// Display name, if set.
    pub display_name: Option<String>,
    /// Primary SMTP address, if any.
    pub mail: Option<String>,
    /// Whether sign-in is enabled, when the directory reports it.
    pub account_enabled: Option<bool>,
}

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
