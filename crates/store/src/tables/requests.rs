//! `lease_requests`: `(actor, request id) → (secret, lease id)`, the idempotency keys of
//! `lease.create`.

use leasehold_domain::{Actor, LeaseId, SecretName};

use super::{bad_id, Store};

impl Store {
    /// Binds `(actor, request_id)` to `candidate` on `secret` unless it is bound already;
    /// returns the binding that holds, the earlier one if any.
    pub async fn bind_request_id(
        &self,
        actor: &Actor,
        request_id: &str,
        secret: &SecretName,
        candidate: LeaseId,
    ) -> Result<(SecretName, LeaseId), sqlx::Error> {
        sqlx::query(
            "INSERT INTO lease_requests (actor, request_id, secret, lease_id)
             VALUES ($1, $2, $3, $4) ON CONFLICT (actor, request_id) DO NOTHING",
        )
        .bind(actor.as_str())
        .bind(request_id)
        .bind(secret.as_str())
        .bind(candidate.to_string())
        .execute(&self.pool)
        .await?;
        let (secret, lease_id): (String, String) = sqlx::query_as(
            "SELECT secret, lease_id FROM lease_requests WHERE actor = $1 AND request_id = $2",
        )
        .bind(actor.as_str())
        .bind(request_id)
        .fetch_one(&self.pool)
        .await?;
        Ok((
            SecretName::parse(&secret).map_err(bad_id)?,
            LeaseId::parse(&lease_id).map_err(bad_id)?,
        ))
    }
}
