//! State and decisions of the `Connection` aggregate.

use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};

use super::{ConnectionCommand, ConnectionError, ConnectionEvent};
use crate::{Cloud, ConnectionName, Sealed};

/// A connection's current facts, present once it was created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectionDetails {
    /// Name (and aggregate id).
    pub name: ConnectionName,
    /// Entra tenant id.
    pub tenant_id: String,
    /// Application (client) id.
    pub client_id: String,
    /// Current sealed client secret.
    pub client_secret: Sealed,
    /// Microsoft cloud.
    pub cloud: Cloud,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When its secret was last rotated, if ever.
    pub rotated_at: Option<DateTime<Utc>>,
}

/// The `Connection` aggregate (id = connection name).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Connection {
    details: Option<ConnectionDetails>,
    deleted: bool,
}

impl Connection {
    /// The connection's facts, if it was ever created (also after deletion).
    pub fn details(&self) -> Option<&ConnectionDetails> {
        self.details.as_ref()
    }

    /// True once the connection has been deleted.
    pub fn is_deleted(&self) -> bool {
        self.deleted
    }

    /// True if the connection exists and is not deleted.
    pub fn is_live(&self) -> bool {
        self.details.is_some() && !self.deleted
    }
}

impl Aggregate for Connection {
    const TYPE: &'static str = "Connection";
    type Command = ConnectionCommand;
    type Event = ConnectionEvent;
    type Error = ConnectionError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let event = match command {
            ConnectionCommand::Create {
                name,
                tenant_id,
                client_id,
                client_secret,
                cloud,
                at,
            } => {
                // Names are not reused after deletion: audit history stays per connection.
                if self.details.is_some() {
                    return Err(ConnectionError::AlreadyExists);
                }
                ConnectionEvent::ConnectionCreated {
                    name,
                    tenant_id,
                    client_id,
                    client_secret,
                    cloud,
                    created_at: at,
                }
            }
            ConnectionCommand::RotateSecret { client_secret, at } => {
                self.require_live()?;
                ConnectionEvent::ConnectionSecretRotated {
                    client_secret,
                    rotated_at: at,
                }
            }
            ConnectionCommand::Delete { dependents, at } => {
                self.require_live()?;
                if !dependents.is_empty() {
                    return Err(ConnectionError::InUse {
                        secrets: dependents,
                    });
                }
                ConnectionEvent::ConnectionDeleted { deleted_at: at }
            }
        };
        sink.write(event, self).await;
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            ConnectionEvent::ConnectionCreated {
                name,
                tenant_id,
                client_id,
                client_secret,
                cloud,
                created_at,
            } => {
                self.details = Some(ConnectionDetails {
                    name,
                    tenant_id,
                    client_id,
                    client_secret,
                    cloud,
                    created_at,
                    rotated_at: None,
                });
            }
            ConnectionEvent::ConnectionSecretRotated {
                client_secret,
                rotated_at,
            } => {
                if let Some(details) = self.details.as_mut() {
                    details.client_secret = client_secret;
                    details.rotated_at = Some(rotated_at);
                }
            }
            ConnectionEvent::ConnectionDeleted { .. } => self.deleted = true,
        }
    }
}

impl Connection {
    fn require_live(&self) -> Result<(), ConnectionError> {
        if self.is_live() {
            Ok(())
        } else {
            Err(ConnectionError::NotFound)
        }
    }
}
