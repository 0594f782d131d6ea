//! `users.list`: the tenant's users through the [`UserDirectory`](super::UserDirectory).

use leasehold_api::Operation;
use leasehold_command::CommandError;
use leasehold_domain::{Actor, ConnectionName};
use serde_json::{json, Value};

use super::request::{parse, UsersList};
use super::QueryService;

impl QueryService {
    pub(super) async fn users_list(
        &self,
        actor: &Actor,
        payload: &[u8],
    ) -> Result<Value, CommandError> {
        let req: UsersList = parse(payload)?;
        let connection = ConnectionName::parse(&req.connection)?;
        let op = Operation::UsersList;
        self.require(
            self.policy().allows(actor.as_str(), op.name(), None),
            actor,
            op,
        )?;
        let starts_with = req.starts_with.as_deref().filter(|s| !s.is_empty());
        let users = self.directory.list_users(&connection, starts_with).await?;
        Ok(json!({ "items": users }))
    }
}
