//! The tenant's users for `users.list`, through the connection's credentials and Graph.

use std::sync::Arc;

use async_trait::async_trait;
use leasehold_command::{CommandError, Commands};
use leasehold_domain::ConnectionName;
use leasehold_graph::{GraphClient, UserQuery};
use leasehold_projection::{DirectoryUser, UserDirectory};
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
}
