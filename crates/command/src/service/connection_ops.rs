//! `connection.create|rotate|delete`.

use leasehold_api::Operation;
use leasehold_domain::{ConnectionName, SecretName};
use leasehold_graph::Credentials;
use serde_json::Value;

use super::input::{decode, ByName, CreateConnection, RotateConnection};
use super::{graph_error, views, CommandService, Request};
use crate::{endpoints, CommandError, NewConnection};

impl CommandService {
    pub(super) async fn create_connection(&self, req: &Request<'_>) -> Result<Value, CommandError> {
        let input: CreateConnection = decode(req.payload)?;
        let name = ConnectionName::parse(&input.name).map_err(|e| e.with_field("name"))?;
        self.authorize(req, Operation::ConnectionCreate, None)?;
        check_id("tenant_id", &input.tenant_id)?;
        check_id("client_id", &input.client_id)?;
        let creds = Credentials::new(
            input.tenant_id.clone(),
            input.client_id.clone(),
            input.client_secret.clone(),
            endpoints(&input.cloud),
        );
        self.graph
            .verify(&creds)
            .await
            .map_err(|e| graph_error("the credentials were refused", &e))?;
        let new = NewConnection {
            name,
            tenant_id: input.tenant_id,
            client_id: input.client_id,
            client_secret: input.client_secret,
            cloud: input.cloud,
        };
        let done = self.commands.create_connection(new, &req.meta()).await?;
        Ok(views::connection(&done.state))
    }

    pub(super) async fn rotate_connection(&self, req: &Request<'_>) -> Result<Value, CommandError> {
        let input: RotateConnection = decode(req.payload)?;
        let name = ConnectionName::parse(&input.name).map_err(|e| e.with_field("name"))?;
        self.authorize(req, Operation::ConnectionRotate, None)?;
        let current = self.commands.connections.load(&name).await?;
        let details = match current.details() {
            Some(d) if current.is_live() => d,
            _ => return Err(CommandError::not_found("connection", name.as_str())),
        };
        let creds = Credentials::new(
            details.tenant_id.clone(),
            details.client_id.clone(),
            input.client_secret.clone(),
            endpoints(&details.cloud),
        );
        self.graph
            .verify(&creds)
            .await
            .map_err(|e| graph_error("the new client secret was refused", &e))?;
        let done = self
            .commands
            .rotate_connection_secret(&name, &input.client_secret, &req.meta())
            .await?;
        Ok(views::connection(&done.state))
    }

    pub(super) async fn delete_connection(&self, req: &Request<'_>) -> Result<Value, CommandError> {
        let input: ByName = decode(req.payload)?;
        let name = ConnectionName::parse(&input.name).map_err(|e| e.with_field("name"))?;
        self.authorize(req, Operation::ConnectionDelete, None)?;
        let dependents = self.dependents(&name).await?;
        let done = self
            .commands
            .delete_connection(&name, dependents, &req.meta())
            .await?;
        Ok(views::connection(&done.state))
    }

    /// Live secrets whose current connection is `name`, from the event store.
    async fn dependents(&self, name: &ConnectionName) -> Result<Vec<SecretName>, CommandError> {
        let ids = self
            .commands
            .store()
            .secrets_naming_connection(name)
            .await
            .map_err(|e| CommandError::unavailable(e.to_string()))?;
        let mut live = Vec::new();
        for id in ids {
            let secret = self.commands.secrets.load(&id).await?;
            if let Some(def) = secret.definition() {
                if !secret.is_deleted() && &def.connection == name {
                    live.push(def.name.clone());
                }
            }
        }
        Ok(live)
    }
}

/// Tenant and client ids are GUIDs (or, for tenants, a verified domain name).
fn check_id(field: &'static str, value: &str) -> Result<(), CommandError> {
    let ok = !value.is_empty()
        && value.len() <= 256
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    if ok {
        Ok(())
    } else {
        Err(CommandError::invalid_request(format!(
            "{field} must be a GUID or a domain name"
        )))
    }
}
