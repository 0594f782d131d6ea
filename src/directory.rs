//! The tenant for the query service, through the connection's credentials and Graph: its
//! users for `users.list`, what the application may do for `connection.check`.

use std::sync::Arc;

use async_trait::async_trait;
use leasehold_command::service::{missing_grants, PASS_PERMISSIONS};
use leasehold_command::{CommandError, Commands};
use leasehold_domain::ConnectionName;
use leasehold_graph::{GraphClient, UserQuery};
use leasehold_projection::{DirectoryUser, TenantAccess, UserDirectory};
use serde_json::json;

/// [`UserDirectory`] backed by Microsoft Graph.
pub struct GraphDirectory {
    commands: Arc<Commands>,
    graph: GraphClient,
}

impl GraphDirectory {
    /// A directory reading users through `graph` with the connections of `commands`.
    pub fn new(commands: Arc<Commands>, graph: GraphClient) -> Self {
        Self { commands, graph }
    }
}

#[async_trait]
impl UserDirectory for GraphDirectory {
    async fn list_users(
        &self,
        connection: &ConnectionName,
        starts_with: Option<&str>,
    ) -> Result<Vec<DirectoryUser>, CommandError> {
        let creds = self.commands.credentials(connection).await?;
        let query = UserQuery {
            starts_with: starts_with.map(str::to_string),
            ..Default::default()
        };
        let users = self.graph.list_users(&creds, &query).await.map_err(|e| {
            CommandError::new(
                leasehold_api::ErrorCode::GraphError,
                format!("listing users failed: {}", e.message()),
                json!({ "kind": e.kind().label(), "status": e.status(), "code": e.code(),
                        "request_id": e.request_id() }),
            )
        })?;
        Ok(users
            .into_iter()
            .map(|u| DirectoryUser {
                object_id: u.id,
                user_principal_name: u.user_principal_name,
                display_name: u.display_name,
                mail: u.mail,
                account_enabled: u.account_enabled,
            })
            .collect())
    }

    async fn check_access(
        &self,
        connection: &ConnectionName,
    ) -> Result<TenantAccess, CommandError> {
        let creds = self.commands.credentials(connection).await?;
        let grants = match self.graph.app_grants(&creds).await {
            Ok(grants) => grants,
            Err(e) => {
                return Ok(TenantAccess {
                    token_error: Some(e.message().to_string()),
                    ..TenantAccess::default()
                })
            }
        };
        let (missing, unknown) = missing_grants(&grants);
        Ok(TenantAccess {
            token_error: None,
            missing,
            unknown,
            passes_allowed: Some(grants.has_permission(PASS_PERMISSIONS)),
        })
    }
}
