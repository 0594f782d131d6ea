//! `connection.create|rotate|delete`.

use leasehold_api::{ErrorCode, Operation};
use leasehold_domain::{ConnectionName, SecretName};
use leasehold_graph::{Credentials, ErrorKind, GraphError};
use serde_json::{json, Value};

use super::input::{decode, ByName, CreateConnection, RotateConnection};
use super::{app_checks, graph_error, views, CommandService, Request};
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
        let warnings = if input.skip_verify {
            Vec::new()
        } else {
            self.check_app(&creds, "the credentials were refused")
                .await?
        };
        let new = NewConnection {
            name,
            tenant_id: input.tenant_id,
            client_id: input.client_id,
            client_secret: input.client_secret,
            cloud: input.cloud,
        };
        let done = self.commands.create_connection(new, &req.meta()).await?;
        Ok(checked(
            views::connection(&done.state),
            input.skip_verify,
            warnings,
        ))
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
        let warnings = if input.skip_verify {
            Vec::new()
        } else {
            self.check_app(&creds, "the new client secret was refused")
                .await?
        };
        let done = self
            .commands
            .rotate_connection_secret(&name, &input.client_secret, &req.meta())
            .await?;
        Ok(checked(
            views::connection(&done.state),
            input.skip_verify,
            warnings,
        ))
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

    /// Proves the credentials with a fresh token and checks what it grants: Graph
    /// permissions and a directory role that can reset passwords. Fails naming all that
    /// is missing; what cannot be told from the token comes back as warnings.
    async fn check_app(
        &self,
        creds: &Credentials,
        refused: &str,
    ) -> Result<Vec<String>, CommandError> {
        let grants = self
            .graph
            .app_grants(creds)
            .await
            .map_err(|e| verify_error(refused, creds, &e))?;
        let (missing, unknown) = app_checks::missing(&grants);
        if !missing.is_empty() {
            return Err(app_checks::lacking(&creds.client_id, &missing));
        }
        Ok(unknown)
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

/// The connection's reply, saying when it was not verified and what could not be.
fn checked(mut view: Value, skipped: bool, warnings: Vec<String>) -> Value {
    if skipped {
        view["verified"] = json!(false);
    }
    if !warnings.is_empty() {
        view["warnings"] = json!(warnings);
    }
    view
}

/// A failed credential check: a refusal by the identity platform is `graph_error` under
/// `refused`; a sign-in host that could not be reached at all (DNS, connection, timeout:
/// no HTTP answer) is `unavailable`, naming the host, since the credentials were never
/// looked at.
fn verify_error(refused: &str, creds: &Credentials, e: &GraphError) -> CommandError {
    let unreachable =
        e.status().is_none() && matches!(e.kind(), ErrorKind::Transient | ErrorKind::Timeout);
    if !unreachable {
        return graph_error(refused, e);
    }
    let host = host_of(creds.cloud.login_base());
    CommandError::new(
        ErrorCode::Unavailable,
        format!(
            "cannot reach the sign-in host {host} to check the credentials: {}",
            e.message()
        ),
        json!({ "host": host, "kind": e.kind().label() }),
    )
}

/// The host (and port) of a URL, without scheme, credentials or path.
fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    authority.rsplit_once('@').map_or(authority, |(_, h)| h)
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

#[cfg(test)]
mod tests {
    use super::host_of;

    #[test]
    fn the_host_of_a_url_drops_scheme_credentials_and_path() {
        assert_eq!(
            host_of("https://login.microsoftonline.us/"),
            "login.microsoftonline.us"
        );
        assert_eq!(host_of("http://u:p@127.0.0.1:1/x?y"), "127.0.0.1:1");
        assert_eq!(host_of("example.org"), "example.org");
    }
}
