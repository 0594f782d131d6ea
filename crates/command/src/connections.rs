//! Connection commands: the client secret is sealed under a fresh data key before it
//! enters an event.

use leasehold_crypto::{open, seal};
use leasehold_domain::{Cloud, Connection, ConnectionCommand, ConnectionName, SecretName};
use secrecy::SecretString;

use crate::{CommandError, Commands, Executed, Meta};

/// What creating a connection needs (credentials already verified against Graph).
#[derive(Debug)]
pub struct NewConnection {
    /// The connection's name.
    pub name: ConnectionName,
    /// Entra tenant id.
    pub tenant_id: String,
    /// Application (client) id.
    pub client_id: String,
    /// The client secret, sealed before it is stored.
    pub client_secret: SecretString,
    /// The Microsoft cloud.
    pub cloud: Cloud,
}

impl Commands {
    /// Creates a connection.
    pub async fn create_connection(
        &self,
        new: NewConnection,
        meta: &Meta,
    ) -> Result<Executed<Connection>, CommandError> {
        let client_secret = self
            .seal_client_secret(&new.name, &new.client_secret)
            .await?;
        let command = ConnectionCommand::Create {
            name: new.name.clone(),
            tenant_id: new.tenant_id,
            client_id: new.client_id,
            client_secret,
            cloud: new.cloud,
            at: meta.at,
        };
        self.connections
            .execute(new.name.as_str(), command, meta)
            .await
    }

    /// Replaces a connection's client secret (for every dynamic secret using it).
    pub async fn rotate_connection_secret(
        &self,
        name: &ConnectionName,
        client_secret: &SecretString,
        meta: &Meta,
    ) -> Result<Executed<Connection>, CommandError> {
        let sealed = self.seal_client_secret(name, client_secret).await?;
        let command = ConnectionCommand::RotateSecret {
            client_secret: sealed,
            at: meta.at,
        };
        self.connections.execute(name.as_str(), command, meta).await
    }

    /// Deletes a connection no dynamic secret uses any more.
    pub async fn delete_connection(
        &self,
        name: &ConnectionName,
        dependents: Vec<SecretName>,
        meta: &Meta,
    ) -> Result<Executed<Connection>, CommandError> {
        let command = ConnectionCommand::Delete {
            dependents,
            at: meta.at,
        };
        self.connections.execute(name.as_str(), command, meta).await
    }

    /// Opens the current client secret of a live connection, for a Graph call.
    pub async fn connection_secret(
        &self,
        name: &ConnectionName,
    ) -> Result<(Connection, SecretString), CommandError> {
        let connection = self.connections.load(name.as_str()).await?;
        let details = match connection.details() {
            Some(d) if connection.is_live() => d,
            _ => return Err(CommandError::not_found("connection", name.as_str())),
        };
        let key = self
            .keys()
            .load(&details.client_secret.key_id)
            .await
            .map_err(|e| CommandError::internal(e.to_string()))?;
        let secret = open(&key, name.as_str(), &details.client_secret)
            .map_err(|e| CommandError::internal(e.to_string()))?;
        Ok((connection, secret))
    }

    async fn seal_client_secret(
        &self,
        name: &ConnectionName,
        secret: &SecretString,
    ) -> Result<leasehold_domain::Sealed, CommandError> {
        let key_id = format!("connection:{}:{}", name.as_str(), uuid::Uuid::now_v7());
        let key = self
            .keys()
            .create(&key_id)
            .await
            .map_err(|e| CommandError::unavailable(e.to_string()))?;
        Ok(seal(&key, name.as_str(), secret))
    }
}
