//! `connection.check`: a fresh token for the connection, what it grants, and the latest
//! failed Graph attempt of a lease on it (from the `leases` read model).

use chrono::Utc;
use leasehold_api::{ConnectionHealth, LastError, LeaseGraphError, Operation};
use leasehold_command::CommandError;
use leasehold_domain::{Actor, ConnectionName};
use serde_json::Value;

use super::request::{parse, ByName};
use super::QueryService;

impl QueryService {
    pub(super) async fn connection_check(
        &self,
        actor: &Actor,
        payload: &[u8],
    ) -> Result<Value, CommandError> {
        let req: ByName = parse(payload)?;
        let name = ConnectionName::parse(&req.name)?;
        let op = Operation::ConnectionCheck;
        self.require(
            self.policy().allows(actor.as_str(), op.name(), None),
            actor,
            op,
        )?;
        // From the event store, not the read model: a connection just created is checked
        // at once, and a deleted or unknown one is `not_found`.
        let access = self.directory.check_access(&name).await?;
        let last_graph_error = self.last_graph_error(&name).await?;
        let token_ok = access.token_error.is_none();
        let health = ConnectionHealth {
            name: name.to_string(),
            checked_at: Utc::now(),
            healthy: token_ok && access.missing.is_empty(),
            token_ok,
            token_error: access.token_error,
            missing: access.missing,
            unknown: access.unknown,
            passes_allowed: access.passes_allowed,
            last_graph_error,
        };
        serde_json::to_value(health).map_err(|e| CommandError::unavailable(e.to_string()))
    }

    /// The most recent `last_error` among the connection's leases.
    async fn last_graph_error(
        &self,
        name: &ConnectionName,
    ) -> Result<Option<LeaseGraphError>, CommandError> {
        let row: Option<(String, String, Value)> = sqlx::query_as(
            "SELECT lease_id, secret, last_error FROM leases \
             WHERE connection = $1 AND last_error IS NOT NULL \
             ORDER BY (last_error ->> 'at')::timestamptz DESC LIMIT 1",
        )
        .bind(name.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| CommandError::unavailable(e.to_string()))?;
        let Some((lease_id, secret, error)) = row else {
            return Ok(None);
        };
        let error: LastError = serde_json::from_value(error)
            .map_err(|e| CommandError::unavailable(format!("leases.last_error: {e}")))?;
        Ok(Some(LeaseGraphError {
            lease_id,
            secret,
            error,
        }))
    }
}
