//! Dynamic secret commands.

use leasehold_domain::{
    ConnectionName, CredentialKind, DynamicSecret, EntraObjectId, LeaseId, RevocationReason,
    SecretCommand, SecretName, TapBounds, Ttl, UserPrincipalName,
};

use crate::{CommandError, Commands, Executed, Meta};

/// What creating a dynamic secret needs (the user already looked up in Graph).
#[derive(Clone, Debug)]
pub struct NewSecret {
    /// The secret's name.
    pub name: SecretName,
    /// The connection reaching the user's tenant.
    pub connection: ConnectionName,
    /// The Entra user's object id.
    pub user_object_id: EntraObjectId,
    /// The Entra user's UPN.
    pub user_principal_name: UserPrincipalName,
    /// The Entra user's display name.
    pub display_name: String,
    /// Default lease TTL.
    pub default_ttl: Ttl,
    /// Max lease TTL.
    pub max_ttl: Ttl,
    /// Kind of credential handed out.
    pub credential_kind: CredentialKind,
    /// The tenant's TAP policy bounds (read from Graph for a TAP secret).
    pub tap_bounds: Option<TapBounds>,
}

impl Commands {
    /// Creates a dynamic secret on a live connection.
    pub async fn create_secret(
        &self,
        new: NewSecret,
        meta: &Meta,
    ) -> Result<Executed<DynamicSecret>, CommandError> {
        self.require_connection(&new.connection).await?;
        let command = SecretCommand::Create {
            name: new.name.clone(),
            connection: new.connection,
            user_object_id: new.user_object_id,
            user_principal_name: new.user_principal_name,
            display_name: new.display_name,
            default_ttl: new.default_ttl,
            max_ttl: new.max_ttl,
            credential_kind: new.credential_kind,
            tap_bounds: new.tap_bounds,
            at: meta.at,
        };
        self.secrets.execute(&new.name, command, meta).await
    }

    /// Changes a secret's TTLs or connection.
    pub async fn update_secret(
        &self,
        name: &SecretName,
        default_ttl: Option<Ttl>,
        max_ttl: Option<Ttl>,
        connection: Option<ConnectionName>,
        meta: &Meta,
    ) -> Result<Executed<DynamicSecret>, CommandError> {
        if let Some(c) = &connection {
            self.require_connection(c).await?;
        }
        let command = SecretCommand::Update {
            default_ttl,
            max_ttl,
            connection,
            at: meta.at,
        };
        self.secrets.execute(name, command, meta).await
    }

    /// Deletes a secret; its live lease, if any, is revoked first.
    pub async fn delete_secret(
        &self,
        name: &SecretName,
        meta: &Meta,
    ) -> Result<(Executed<DynamicSecret>, Option<LeaseId>), CommandError> {
        let secret = self.secrets.load(name).await?;
        let live = secret.live_lease().map(|l| l.lease_id);
        if let Some(lease_id) = live {
            self.revoke_lease(&lease_id, RevocationReason::SecretDeleted, false, meta)
                .await?;
        }
        let command = SecretCommand::Delete { at: meta.at };
        let done = self.secrets.execute(name, command, meta).await?;
        Ok((done, live))
    }

    async fn require_connection(&self, name: &ConnectionName) -> Result<(), CommandError> {
        let connection = self.connections.load(name).await?;
        if connection.is_live() {
            Ok(())
        } else {
            Err(CommandError::not_found("connection", name.as_str()))
        }
    }
}
