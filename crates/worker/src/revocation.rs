//! Revocation: make a lease's password useless (a random password nobody knows, then
//! revokeSignInSessions) and record it. It never gives up: every failure is an event and
//! the message comes back later, slower once the lease shows `revocation_failing`.

use leasehold_domain::{LeaseId, LeaseStatus};
use leasehold_graph::{Credentials, ErrorKind};

use crate::effects::{Creds, Decision, Effects};
use crate::failure::{backoff, failure_info, local_failure, retry_delay};
use crate::gate::ConnectionGate;

impl Effects {
    /// Handles `LeaseRevocationRequested` for `lease_id`.
    pub(crate) async fn revoke(&self, lease_id: LeaseId) -> anyhow::Result<Decision> {
        let lease = self.commands.leases.load(&lease_id.to_string()).await?;
        if lease.status() != Some(LeaseStatus::Revoking) {
            tracing::debug!(lease = %lease_id, status = ?lease.status(), "revocation: nothing to do");
            return Ok(Decision::Ack);
        }
        let (Some(connection), Some(user)) = (lease.connection(), lease.user_object_id()) else {
            // Invariant: a revoking lease has terms.
            return Ok(Decision::Ack);
        };
        let creds = match self.credentials(connection).await? {
            Creds::Ready(creds) => creds,
            Creds::Gone(e) => {
                let info = local_failure("configuration", e.message);
                return self.revocation_failed(&lease_id, info, None).await;
            }
        };
        let gate = self.gate(connection);
        let lock = self.locks.lock(user.as_str()).await?;
        let result = self.revoke_locked(lease_id, &creds, &gate).await;
        if let Err(e) = lock.release().await {
            tracing::warn!(lease = %lease_id, error = %format!("{e:#}"), "releasing the user lock");
        }
        result
    }

    async fn revoke_locked(
        &self,
        lease_id: LeaseId,
        creds: &Credentials,
        gate: &std::sync::Arc<ConnectionGate>,
    ) -> anyhow::Result<Decision> {
        let lease = self.commands.leases.load(&lease_id.to_string()).await?;
        let Some(user) = lease
            .user_object_id()
            .filter(|_| lease.status() == Some(LeaseStatus::Revoking))
        else {
            return Ok(Decision::Ack);
        };
        let user_missing = match self.scramble(gate, creds, user).await {
            Ok(()) => false,
            // A deleted user has no credential left: that counts as revoked.
            Err(err) if *err.kind() == ErrorKind::NotFound => true,
            Err(err) => {
                let info = failure_info(&err);
                return self.revocation_failed(&lease_id, info, Some(&err)).await;
            }
        };
        self.commands
            .confirm_revocation(&lease_id, user_missing, &self.meta())
            .await?;
        tracing::info!(lease = %lease_id, user_missing, "lease revoked");
        Ok(Decision::Ack)
    }

    /// Records a failed attempt and schedules the next one.
    async fn revocation_failed(
        &self,
        lease_id: &LeaseId,
        info: leasehold_domain::FailureInfo,
        err: Option<&leasehold_graph::GraphError>,
    ) -> anyhow::Result<Decision> {
        tracing::warn!(lease = %lease_id, kind = %info.kind, error = %info.message,
            "revocation attempt failed");
        let done = match self
            .commands
            .record_revocation_failure(lease_id, info, &self.meta())
            .await
        {
            Ok(done) => done,
            // Revoked meanwhile (forced, or another worker confirmed): nothing left to do.
            Err(e) if e.code == "lease_not_active" => return Ok(Decision::Ack),
            Err(e) => return Err(e.into()),
        };
        let lease = &done.state;
        if lease.revocation_failing() {
            tracing::error!(lease = %lease_id, attempts = lease.revocation_attempts(),
                "revocation is failing; retrying until it succeeds or an operator forces it");
        }
        let cap = if lease.revocation_failing() {
            self.config.failing_revocation_retry_cap
        } else {
            self.config.revocation_retry_cap
        };
        // Throttled attempts wait for the service's Retry-After and do not grow the backoff.
        let attempt = lease.counted_revocation_failures().max(1);
        let delay = match err {
            Some(err) => retry_delay(err, attempt, self.config.retry_base, cap),
            None => backoff(attempt, self.config.retry_base, cap),
        };
        Ok(Decision::Retry(delay))
    }

    /// Handles `LeaseRevoked { forced: true }`: the operator closed the lease without a
    /// confirmed Graph call, so try once to make its password useless. Skipped when the
    /// secret already has another live lease (scrambling would break that lease's password).
    /// Failures are logged only; the lease is closed either way.
    pub(crate) async fn clean_up_forced(&self, lease_id: LeaseId) -> anyhow::Result<Decision> {
        let lease = self.commands.leases.load(&lease_id.to_string()).await?;
        let (Some(connection), Some(user), Some(secret)) =
            (lease.connection(), lease.user_object_id(), lease.secret())
        else {
            return Ok(Decision::Ack);
        };
        let creds = match self.credentials(connection).await? {
            Creds::Ready(creds) => creds,
            Creds::Gone(_) => {
                tracing::warn!(lease = %lease_id, "forced revocation: connection gone, cannot scramble");
                return Ok(Decision::Ack);
            }
        };
        let gate = self.gate(connection);
        let lock = self.locks.lock(user.as_str()).await?;
        let result = async {
            let state = self.commands.secrets.load(secret.as_str()).await?;
            if let Some(live) = state.live_lease().filter(|l| l.lease_id != lease_id) {
                tracing::info!(lease = %lease_id, other = %live.lease_id,
                    "forced revocation: the secret has a newer lease; not scrambling");
                return Ok(Decision::Ack);
            }
            match self.scramble(&gate, &creds, user).await {
                Ok(()) => {
                    tracing::info!(lease = %lease_id, "forced revocation: password scrambled")
                }
                Err(err) if *err.kind() == ErrorKind::NotFound => {
                    tracing::info!(lease = %lease_id, "forced revocation: user no longer exists")
                }
                Err(err) => tracing::warn!(lease = %lease_id, error = %err,
                    "forced revocation: best-effort scramble failed"),
            }
            Ok(Decision::Ack)
        }
        .await;
        if let Err(e) = lock.release().await {
            tracing::warn!(lease = %lease_id, error = %format!("{e:#}"), "releasing the user lock");
        }
        result
    }
}
