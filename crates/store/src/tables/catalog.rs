//! Lookups in the event log the command side makes before deciding.

use leasehold_domain::{ConnectionName, EntraObjectId, SecretName};

use super::{bad_id, Store};

impl Store {
    /// The sequence of `connection`'s last event: changes with every rotation, update or
    /// deletion, so credentials unsealed at one version are good while it stays the same.
    /// `None` when the connection has no events.
    pub async fn connection_version(
        &self,
        connection: &ConnectionName,
    ) -> Result<Option<i64>, sqlx::Error> {
        sqlx::query_scalar(
            "SELECT max(sequence) FROM events
              WHERE aggregate_type = 'Connection' AND aggregate_id = $1",
        )
        .bind(connection.as_str())
        .fetch_one(&self.pool)
        .await
    }

    /// Secrets that named `connection` when created or updated (current or not: the
    /// caller checks each secret's state).
    pub async fn secrets_naming_connection(
        &self,
        connection: &ConnectionName,
    ) -> Result<Vec<SecretName>, sqlx::Error> {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT aggregate_id FROM events
              WHERE aggregate_type = 'DynamicSecret'
                AND (payload -> 'SecretCreated' ->> 'connection' = $1
                     OR payload -> 'SecretUpdated' ->> 'connection' = $1)",
        )
        .bind(connection.as_str())
        .fetch_all(&self.pool)
        .await?;
        ids.iter()
            .map(|id| SecretName::parse(id).map_err(bad_id))
            .collect()
    }

    /// Secrets ever created for the Entra user `user` (deleted ones included).
    pub async fn secrets_of_user(
        &self,
        user: &EntraObjectId,
    ) -> Result<Vec<SecretName>, sqlx::Error> {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT aggregate_id FROM events
              WHERE aggregate_type = 'DynamicSecret' AND event_type = 'SecretCreated'
                AND payload -> 'SecretCreated' ->> 'user_object_id' = $1",
        )
        .bind(user.as_str())
        .fetch_all(&self.pool)
        .await?;
        ids.iter()
            .map(|id| SecretName::parse(id).map_err(bad_id))
            .collect()
    }
}
