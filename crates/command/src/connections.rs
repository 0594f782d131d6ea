//! Connection commands: the client secret is sealed under a fresh data key before it
//! enters an event, and a client secret that stops being current (rotated away, or its
//! connection deleted) has its data key destroyed, as a leased password's is at
//! revocation: the event log keeps the sealed value, nobody can open it any more.

use cqrs_es::EventEnvelope;
use leasehold_crypto::{open, seal};
use leasehold_domain::{
    Cloud, Connection, ConnectionCommand, ConnectionEvent, ConnectionName, SecretName,
};
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
        let key_id = client_secret.key_id.clone();
        let command = ConnectionCommand::Create {
            name: new.name.clone(),
            tenant_id: new.tenant_id,
            client_id: new.client_id,
            client_secret,
            cloud: new.cloud,
            at: meta.at,
        };
        let result = self.connections.execute(&new.name, command, meta).await;
        self.settle_keys(&new.name, &key_id, &result).await;
        result
    }

    /// Replaces a connection's client secret (for every dynamic secret using it).
    pub async fn rotate_connection_secret(
        &self,
        name: &ConnectionName,
        client_secret: &SecretString,
        meta: &Meta,
    ) -> Result<Executed<Connection>, CommandError> {
        let sealed = self.seal_client_secret(name, client_secret).await?;
        let key_id = sealed.key_id.clone();
        let command = ConnectionCommand::RotateSecret {
            client_secret: sealed,
            at: meta.at,
        };
        let result = self.connections.execute(name, command, meta).await;
        self.settle_keys(name, &key_id, &result).await;
        result
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
        let done = self.connections.execute(name, command, meta).await?;
        self.shred_superseded(name, &done.events).await;
        Ok(done)
    }

    /// After a command that sealed a new client secret under `key_id`: on failure the
    /// new key never reached an event and is destroyed; on success every client secret
    /// the committed events superseded is shredded.
    async fn settle_keys(
        &self,
        name: &ConnectionName,
        key_id: &str,
        result: &Result<Executed<Connection>, CommandError>,
    ) {
        match result {
            Ok(done) => self.shred_superseded(name, &done.events).await,
            Err(_) => {
                // The error may come after the commit (a connection lost while the commit
                // was acknowledged): destroy the key only if no committed event uses it,
                // or the connection would hold a client secret nobody can open. When the
                // history cannot be read, the key is kept (an unused key costs a row).
                let committed = match self.connections.history(name).await {
                    Ok(history) => history.iter().any(|e| uses_key(&e.payload, key_id)),
                    Err(_) => true,
                };
                if committed {
                    return;
                }
                if let Err(e) = self.keys().destroy(key_id).await {
                    tracing::warn!(key_id, error = %e, "could not destroy an unused data key");
                }
            }
        }
    }

    /// Destroys the data keys of every client secret of `name` that is no longer
    /// current as of the last of `committed` (all of them after a delete).
    ///
    /// The keys are read from the connection's own history up to that event, never
    /// from a key-id pattern: a concurrent rotation's freshly sealed key is not in the
    /// history yet and must survive. Failures are logged and left for the next rotation
    /// or delete, which shreds every superseded key again (destroying is idempotent).
    async fn shred_superseded(
        &self,
        name: &ConnectionName,
        committed: &[EventEnvelope<Connection>],
    ) {
        let Some(last) = committed.last().map(|e| e.sequence) else {
            return;
        };
        let history = match self.connections.history(name).await {
            Ok(history) => history,
            Err(e) => {
                tracing::warn!(connection = %name, error = %e, "could not read the connection's history to shred old client secrets");
                return;
            }
        };
        for key_id in superseded_keys(
            history
                .iter()
                .take_while(|e| e.sequence <= last)
                .map(|e| &e.payload),
        ) {
            if let Err(e) = self.keys().destroy(&key_id).await {
                tracing::warn!(connection = %name, key_id, error = %e, "could not destroy an old client secret's data key");
            }
        }
    }

    /// Opens the current client secret of a live connection, for a Graph call.
    pub async fn connection_secret(
        &self,
        name: &ConnectionName,
    ) -> Result<(Connection, SecretString), CommandError> {
        let connection = self.connections.load(name).await?;
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

/// Whether `event` seals a client secret under data key `key_id`.
fn uses_key(event: &ConnectionEvent, key_id: &str) -> bool {
    match event {
        ConnectionEvent::ConnectionCreated { client_secret, .. }
        | ConnectionEvent::ConnectionSecretRotated { client_secret, .. } => {
            client_secret.key_id == key_id
        }
        ConnectionEvent::ConnectionDeleted { .. } => false,
    }
}

/// The data-key ids of client secrets that `events` (one connection's history, in order)
/// replaced or deleted: every sealed key but the one current after the last event.
pub(crate) fn superseded_keys<'a>(
    events: impl IntoIterator<Item = &'a ConnectionEvent>,
) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    let mut current: Option<String> = None;
    for event in events {
        match event {
            ConnectionEvent::ConnectionCreated { client_secret, .. }
            | ConnectionEvent::ConnectionSecretRotated { client_secret, .. } => {
                seen.push(client_secret.key_id.clone());
                current = Some(client_secret.key_id.clone());
            }
            ConnectionEvent::ConnectionDeleted { .. } => current = None,
        }
    }
    seen.retain(|k| Some(k) != current.as_ref());
    seen.dedup();
    seen
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use leasehold_domain::Sealed;

    use super::*;

    fn sealed(key_id: &str) -> Sealed {
        Sealed {
            key_id: key_id.into(),
            nonce: String::new(),
            ciphertext: String::new(),
        }
    }

    fn rotated(key_id: &str) -> ConnectionEvent {
        ConnectionEvent::ConnectionSecretRotated {
            client_secret: sealed(key_id),
            rotated_at: Utc::now(),
        }
    }

    #[test]
    fn only_the_current_client_secret_keeps_its_key() {
        let created = ConnectionEvent::ConnectionCreated {
            name: ConnectionName::parse("c").expect("name"),
            tenant_id: "t".into(),
            client_id: "x".into(),
            client_secret: sealed("k1"),
            cloud: Cloud::default(),
            created_at: Utc::now(),
        };
        assert!(superseded_keys([&created]).is_empty());
        let (r2, r3) = (rotated("k2"), rotated("k3"));
        assert_eq!(superseded_keys([&created, &r2, &r3]), vec!["k1", "k2"]);
        let deleted = ConnectionEvent::ConnectionDeleted {
            deleted_at: Utc::now(),
        };
        assert_eq!(
            superseded_keys([&created, &r2, &r3, &deleted]),
            vec!["k1", "k2", "k3"]
        );
    }
}
