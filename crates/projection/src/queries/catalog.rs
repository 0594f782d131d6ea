//! `connection.get|list` and `secret.get|list`.

use leasehold_api::Operation;
use leasehold_command::CommandError;
use leasehold_domain::{Actor, ConnectionName, SecretName};
use serde_json::{json, Value};

use super::read::{get, page};
use super::request::{limit, parse, ByName, Empty, SecretList};
use super::{views, QueryService};
use crate::rows::{ConnectionRow, SecretRow};

impl QueryService {
    pub(super) async fn connection_get(
        &self,
        actor: &Actor,
        payload: &[u8],
    ) -> Result<Value, CommandError> {
        let req: ByName = parse(payload)?;
        let name = ConnectionName::parse(&req.name)?;
        let op = Operation::ConnectionGet;
        self.require(
            self.policy().allows(actor.as_str(), op.name(), None),
            actor,
            op,
        )?;
        match get::<ConnectionRow>(&self.pool, name.as_str()).await? {
            Some(row) => Ok(views::connection(&row)),
            None => Err(CommandError::not_found("connection", name.as_str())),
        }
    }

    pub(super) async fn connection_list(
        &self,
        actor: &Actor,
        payload: &[u8],
    ) -> Result<Value, CommandError> {
        let _: Empty = parse(payload)?;
        let op = Operation::ConnectionList;
        self.require(
            self.policy().allows(actor.as_str(), op.name(), None),
            actor,
            op,
        )?;
        let mut items = Vec::new();
        let mut after = None;
        // Connections are few; list them all, page by page.
        loop {
            let (rows, next) = page::<ConnectionRow>(
                &self.pool,
                "deleted_at IS NULL",
                &[],
                after,
                i64::from(super::MAX_LIMIT),
                |_| true,
            )
            .await?;
            items.extend(rows.iter().map(views::connection));
            match next {
                Some(cursor) => after = Some(cursor),
                None => break,
            }
        }
        Ok(json!({ "items": items, "next": null }))
    }

    pub(super) async fn secret_get(
        &self,
        actor: &Actor,
        payload: &[u8],
    ) -> Result<Value, CommandError> {
        let req: ByName = parse(payload)?;
        let name = SecretName::parse(&req.name)?;
        let op = Operation::SecretGet;
        let allowed = self
            .policy()
            .allows(actor.as_str(), op.name(), Some(name.as_str()));
        self.require(allowed, actor, op)?;
        match get::<SecretRow>(&self.pool, name.as_str()).await? {
            Some(row) => Ok(views::secret(&row)),
            None => Err(CommandError::not_found("secret", name.as_str())),
        }
    }

    pub(super) async fn secret_list(
        &self,
        actor: &Actor,
        payload: &[u8],
    ) -> Result<Value, CommandError> {
        let req: SecretList = parse(payload)?;
        let connection = req
            .connection
            .as_deref()
            .map(ConnectionName::parse)
            .transpose()?;
        let after = req.after.as_deref().map(SecretName::parse).transpose()?;
        let limit = limit(req.limit)?;
        let (rows, next) = page::<SecretRow>(
            &self.pool,
            "deleted_at IS NULL AND ($1::text IS NULL OR connection = $1)",
            &[connection.as_ref().map(|c| c.as_str())],
            after.map(String::from),
            limit,
            |row| self.policy().can_see(actor.as_str(), &row.name),
        )
        .await?;
        let items: Vec<Value> = rows.iter().map(views::secret).collect();
        Ok(json!({ "items": items, "next": next }))
    }
}
