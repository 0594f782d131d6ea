//! State and decisions of the `DynamicSecret` aggregate.

use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};

use super::{CredentialKind, SecretCommand, SecretError, SecretEvent, TapBounds};
use crate::{ConnectionName, EntraObjectId, LeaseId, SecretName, Ttl, UserPrincipalName};

/// A secret's settings, present once it was created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecretDefinition {
    /// Name (and aggregate id).
    pub name: SecretName,
    /// Connection used to reach Graph.
    pub connection: ConnectionName,
    /// Object id of the Entra user.
    pub user_object_id: EntraObjectId,
    /// UPN of the Entra user.
    pub user_principal_name: UserPrincipalName,
    /// Display name of the Entra user.
    pub display_name: String,
    /// Default lease TTL.
    pub default_ttl: Ttl,
    /// Max lease TTL.
    pub max_ttl: Ttl,
    /// Kind of credential handed out.
    pub credential_kind: CredentialKind,
    /// The tenant's TAP policy bounds read at creation (TAP secrets only).
    #[serde(default)]
    pub tap_bounds: Option<TapBounds>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was last updated, if ever.
    pub updated_at: Option<DateTime<Utc>>,
}

/// The lease currently holding the secret's single live slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveLease {
    /// The lease.
    pub lease_id: LeaseId,
    /// When the slot was claimed.
    pub reserved_at: DateTime<Utc>,
    /// Expiry as reserved (the lease aggregate tracks renewals).
    pub expires_at: DateTime<Utc>,
    /// TTL as reserved; `None` in snapshots taken before it was kept.
    #[serde(default)]
    pub ttl: Option<Ttl>,
    /// Renewal limit as reserved; `None` in snapshots taken before it was kept.
    #[serde(default)]
    pub max_expires_at: Option<DateTime<Utc>>,
}

/// The `DynamicSecret` aggregate (id = secret name).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DynamicSecret {
    definition: Option<SecretDefinition>,
    deleted: bool,
    live_lease: Option<LiveLease>,
}

impl DynamicSecret {
    /// The secret's settings, if it was ever created (also after deletion).
    pub fn definition(&self) -> Option<&SecretDefinition> {
        self.definition.as_ref()
    }

    /// True once the secret has been deleted.
    pub fn is_deleted(&self) -> bool {
        self.deleted
    }

    /// The lease holding the live slot, if any (may outlive deletion until released).
    pub fn live_lease(&self) -> Option<&LiveLease> {
        self.live_lease.as_ref()
    }

    /// The definition of a created, not deleted secret, or `NotFound`.
    fn live_definition(&self) -> Result<&SecretDefinition, SecretError> {
        match &self.definition {
            Some(definition) if !self.deleted => Ok(definition),
            _ => Err(SecretError::NotFound),
        }
    }

    /// Decides a command; returns the events to record (empty for an idempotent no-op).
    fn decide(&self, command: SecretCommand) -> Result<Vec<SecretEvent>, SecretError> {
        match command {
            SecretCommand::Create {
                name,
                connection,
                user_object_id,
                user_principal_name,
                display_name,
                default_ttl,
                max_ttl,
                credential_kind,
                tap_bounds,
                at,
            } => {
                // Names are not reused after deletion: lease history stays per secret.
                if self.definition.is_some() {
                    return Err(SecretError::AlreadyExists);
                }
                check_ttls(default_ttl, max_ttl)?;
                let tap_bounds = super::tap_rules::check_kind(
                    credential_kind,
                    tap_bounds,
                    &[default_ttl, max_ttl],
                )?;
                Ok(vec![SecretEvent::SecretCreated {
                    name,
                    connection,
                    user_object_id,
                    user_principal_name,
                    display_name,
                    default_ttl,
                    max_ttl,
                    credential_kind,
                    tap_bounds,
                    created_at: at,
                }])
            }
            SecretCommand::Update {
                default_ttl,
                max_ttl,
                connection,
                at,
            } => {
                let current = self.live_definition()?;
                let default_ttl = default_ttl.unwrap_or(current.default_ttl);
                let max_ttl = max_ttl.unwrap_or(current.max_ttl);
                let connection = connection.unwrap_or_else(|| current.connection.clone());
                if default_ttl == current.default_ttl
                    && max_ttl == current.max_ttl
                    && connection == current.connection
                {
                    return Ok(vec![]);
                }
                check_ttls(default_ttl, max_ttl)?;
                super::tap_rules::check_kind(
                    current.credential_kind,
                    current.tap_bounds,
                    &[default_ttl, max_ttl],
                )?;
                Ok(vec![SecretEvent::SecretUpdated {
                    default_ttl,
                    max_ttl,
                    connection,
                    updated_at: at,
                }])
            }
            SecretCommand::Delete { at } => {
                self.live_definition()?;
                Ok(vec![SecretEvent::SecretDeleted {
                    live_lease: self.live_lease.map(|live| live.lease_id),
                    deleted_at: at,
                }])
            }
            SecretCommand::ReserveLease { lease_id, ttl, at } => {
                let definition = self.live_definition()?;
                if let Some(live) = &self.live_lease {
                    // A retried reservation of the same lease is a no-op, not a conflict.
                    if live.lease_id == lease_id {
                        return Ok(vec![]);
                    }
                    return Err(SecretError::LeaseConflict {
                        lease_id: live.lease_id,
                        expires_at: live.expires_at,
                    });
                }
                let ttl = ttl.unwrap_or(definition.default_ttl);
                if ttl > definition.max_ttl {
                    return Err(SecretError::TtlExceedsMax {
                        requested: ttl,
                        max: definition.max_ttl,
                    });
                }
                super::tap_rules::check_kind(
                    definition.credential_kind,
                    definition.tap_bounds,
                    &[ttl],
                )?;
                Ok(vec![SecretEvent::LeaseReserved {
                    lease_id,
                    ttl,
                    issued_at: at,
                    expires_at: ttl.after(at),
                    max_expires_at: definition.max_ttl.after(at),
                }])
            }
            SecretCommand::ReleaseLease {
                lease_id,
                reason,
                at,
            } => {
                // Allowed after deletion, so the lease revoked by the delete can let go.
                if self.definition.is_none() {
                    return Err(SecretError::NotFound);
                }
                match self.live_lease {
                    Some(live) if live.lease_id == lease_id => {
                        Ok(vec![SecretEvent::LeaseReleased {
                            lease_id,
                            reason,
                            released_at: at,
                        }])
                    }
                    _ => Ok(vec![]),
                }
            }
        }
    }
}

fn check_ttls(default: Ttl, max: Ttl) -> Result<(), SecretError> {
    if default > max {
        Err(SecretError::DefaultTtlExceedsMax { default, max })
    } else {
        Ok(())
    }
}

impl Aggregate for DynamicSecret {
    const TYPE: &'static str = "DynamicSecret";
    type Command = SecretCommand;
    type Event = SecretEvent;
    type Error = SecretError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        for event in self.decide(command)? {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            SecretEvent::SecretCreated {
                name,
                connection,
                user_object_id,
                user_principal_name,
                display_name,
                default_ttl,
                max_ttl,
                credential_kind,
                tap_bounds,
                created_at,
            } => {
                self.definition = Some(SecretDefinition {
                    name,
                    connection,
                    user_object_id,
                    user_principal_name,
                    display_name,
                    default_ttl,
                    max_ttl,
                    credential_kind,
                    tap_bounds,
                    created_at,
                    updated_at: None,
                });
            }
            SecretEvent::SecretUpdated {
                default_ttl,
                max_ttl,
                connection,
                updated_at,
            } => {
                if let Some(definition) = self.definition.as_mut() {
                    definition.default_ttl = default_ttl;
                    definition.max_ttl = max_ttl;
                    definition.connection = connection;
                    definition.updated_at = Some(updated_at);
                }
            }
            SecretEvent::SecretDeleted { .. } => self.deleted = true,
            SecretEvent::LeaseReserved {
                lease_id,
                ttl,
                issued_at,
                expires_at,
                max_expires_at,
            } => {
                self.live_lease = Some(LiveLease {
                    lease_id,
                    reserved_at: issued_at,
                    expires_at,
                    ttl: Some(ttl),
                    max_expires_at: Some(max_expires_at),
                });
            }
            SecretEvent::LeaseReleased { .. } => self.live_lease = None,
        }
    }
}
