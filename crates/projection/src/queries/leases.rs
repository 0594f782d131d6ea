//! `lease.get` (optionally with the credential) and `lease.list`.

use leasehold_api::{ErrorCode, Operation};
use leasehold_command::CommandError;
use leasehold_domain::{Actor, LeaseId, SecretName};
use secrecy::ExposeSecret;
use serde_json::{json, Value};

use super::fresh;
use super::read::{get, page_ordered};
use super::request::{limit, parse, LeaseGet, LeaseList};
use super::{views, QueryService};
use crate::rows::LeaseRow;

impl QueryService {
    pub(super) async fn lease_get(
        &self,
        actor: &Actor,
        payload: &[u8],
    ) -> Result<Value, CommandError> {
        let req: LeaseGet = parse(payload)?;
        let lease_id = LeaseId::parse(&req.lease_id)?;
        let id = lease_id.to_string();
        let op = Operation::LeaseGet;
        fresh::lease(&self.pool, &id).await;
        let Some(row) = get::<LeaseRow>(&self.pool, &id).await? else {
            return Err(CommandError::not_found("lease", &id));
        };
        let allowed = self
            .policy()
            .allows(actor.as_str(), op.name(), Some(&row.secret));
        self.require(allowed, actor, op)?;
        if !req.credentials {
            return Ok(json!({ "lease": views::lease(&row) }));
        }
        // The credential goes only to whoever asked for the lease, or an admin (design §7),
        // judged by the lease's own events: the read-model row is a table anyone with
        // the engine's database role could edit.
        let (lease, password) = self.commands.lease_credential(&lease_id).await?;
        let requester = lease.requested_by().map(Actor::as_str);
        let secret = lease.secret().map(SecretName::as_str);
        let own = requester == Some(actor.as_str()) || self.policy().is_admin(actor.as_str());
        if !own || !self.policy().allows(actor.as_str(), op.name(), secret) {
            drop(password);
            return Err(CommandError::new(
                ErrorCode::Forbidden,
                format!("only the requester of lease {id} or an admin may read its credential"),
                json!({ "actor": actor.as_str(), "op": op.name(), "lease_id": id }),
            ));
        }
        let username = lease
            .user_principal_name()
            .map(|upn| upn.to_string())
            .unwrap_or_else(|| row.user_principal_name.clone());
        Ok(json!({
            "lease": views::lease(&row),
            "credential": { "username": username, "password": password.expose_secret() },
        }))
    }

    pub(super) async fn lease_list(
        &self,
        actor: &Actor,
        payload: &[u8],
    ) -> Result<Value, CommandError> {
        let req: LeaseList = parse(payload)?;
        let secret = req.secret.as_deref().map(SecretName::parse).transpose()?;
        let requested_by = req.requested_by.as_deref().map(Actor::parse).transpose()?;
        let after = req.after.as_deref().map(LeaseId::parse).transpose()?;
        let limit = limit(req.limit)?;
        fresh::own_leases(&self.pool, actor.as_str()).await;
        if let Some(secret) = &secret {
            let allowed = self.policy().can_see(actor.as_str(), secret.as_str());
            self.require(allowed, actor, Operation::LeaseList)?;
        }
        let (rows, next) = page_ordered::<LeaseRow>(
            &self.pool,
            "($1::text IS NULL OR secret = $1) AND ($2::text IS NULL OR status = $2)
             AND ($3::text IS NULL OR requested_by = $3)",
            &[
                secret.as_ref().map(|s| s.as_str()),
                req.status.map(|s| s.as_str()),
                requested_by.as_ref().map(|a| a.as_str()),
            ],
            after.map(|id| id.to_string()),
            limit,
            req.order,
            |row| self.policy().can_see(actor.as_str(), &row.secret),
        )
        .await?;
        let items: Vec<Value> = rows.iter().map(views::lease).collect();
        Ok(json!({ "items": items, "next": next }))
    }
}
