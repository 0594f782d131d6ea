//! Activation: make a requested lease's credential (a password, or a Temporary Access
//! Pass) real in Entra, then record it.
//!
//! Under the user's lock the lease is reloaded and acted on only while still `requested`,
//! so a redelivered `LeaseRequested`, a racing second worker, or a retry after a crash
//! between the Graph call and the append all end with exactly one recorded, working
//! password: the one set last is the one appended.

use leasehold_api::ErrorCode;
use leasehold_domain::{FailureInfo, Lease, LeaseId, LeaseStatus};
use leasehold_graph::{Credentials, GraphError};

use crate::effects::{note_throttling, record_request_id, Creds, Decision, Effects};
use crate::failure::{failure_info, is_permanent, local_failure, retry_delay};
use crate::gate::ConnectionGate;

impl Effects {
    /// Handles `LeaseRequested` for `lease_id`.
    #[tracing::instrument(name = "activation", skip(self),
        fields(lease_id = %lease_id, request_id = tracing::field::Empty))]
    pub(crate) async fn activate(&self, lease_id: LeaseId) -> anyhow::Result<Decision> {
        let lease = self.commands.leases.load(&lease_id).await?;
        record_request_id(&lease);
        if lease.status() != Some(LeaseStatus::Requested) {
            tracing::debug!(lease = %lease_id, status = ?lease.status(), "activation: nothing to do");
            return Ok(Decision::Ack);
        }
        let (Some(connection), Some(user)) = (lease.connection(), lease.user_object_id()) else {
            // Invariant: a requested lease has terms; without them there is nothing to do.
            return Ok(Decision::Ack);
        };
        let creds = match self.credentials(connection).await? {
            Creds::Ready(creds) => creds,
            Creds::Gone(e) => {
                let info = local_failure("configuration", e.message);
                return self.activation_failed(&lease_id, info, true, None).await;
            }
        };
        let gate = self.gate(connection);
        let lock = self.locks.lock(user.as_str()).await?;
        let result = self.activate_locked(lease_id, &creds, &gate).await;
        if matches!(result, Ok(Decision::Abandon)) {
            // A simulated crash: the lock is dropped, not released in line (it goes in the
            // background, as a killed process's locks go with its sessions).
            drop(lock);
            return result;
        }
        if let Err(e) = lock.release().await {
            tracing::warn!(lease = %lease_id, error = %format!("{e:#}"), "releasing the user lock");
        }
        result
    }

    async fn activate_locked(
        &self,
        lease_id: LeaseId,
        creds: &Credentials,
        gate: &std::sync::Arc<ConnectionGate>,
    ) -> anyhow::Result<Decision> {
        // Reload under the lock: another worker may have activated, or someone revoked.
        let lease = self.commands.leases.load(&lease_id).await?;
        let Some(user) = lease
            .user_object_id()
            .filter(|_| lease.status() == Some(LeaseStatus::Requested))
        else {
            return Ok(Decision::Ack);
        };
        let password = match self.issue(&lease, gate, creds, user).await {
            Ok(credential) => credential,
            Err(err) => {
                note_throttling(gate, &err);
                let permanent = is_permanent(&err);
                return self
                    .activation_failed(&lease_id, failure_info(&err), permanent, Some(&err))
                    .await;
            }
        };
        if self.config.take_crash() {
            tracing::warn!(lease = %lease_id, "fault hook: crashing between set_password and the append");
            return Ok(Decision::Abandon);
        }
        match self
            .commands
            .activate_lease(&lease_id, &password, &self.meta())
            .await
        {
            Ok(_) => {
                tracing::info!(lease = %lease_id, "lease activated");
                Ok(Decision::Ack)
            }
            Err(e) if e.is(ErrorCode::LeaseNotActive) => {
                self.undo_lost_activation(&lease, creds, gate).await?;
                Ok(Decision::Ack)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The lease was revoked while its password was being set: take that password back at
    /// once, unless the secret has moved on to another lease (whose activation sets its own).
    async fn undo_lost_activation(
        &self,
        lease: &Lease,
        creds: &Credentials,
        gate: &std::sync::Arc<ConnectionGate>,
    ) -> anyhow::Result<()> {
        let (Some(terms), Some(secret)) = (lease.terms(), lease.secret()) else {
            return Ok(());
        };
        let lease_id = terms.lease_id;
        let state = self.commands.secrets.load(secret).await?;
        if let Some(live) = state.live_lease().filter(|l| l.lease_id != lease_id) {
            tracing::info!(lease = %lease_id, other = %live.lease_id,
                "activation lost to a revocation; the secret has a newer lease, leaving it be");
            return Ok(());
        }
        tracing::info!(lease = %lease_id, "activation lost to a revocation; taking the credential back");
        let kind = terms.credential_kind;
        if let Err(err) = self
            .take_back(kind, gate, creds, &terms.user_object_id)
            .await
        {
            // The revocation handler (or forced clean-up) scrambles again under the lock.
            tracing::warn!(lease = %lease_id, error = %err, "scrambling after a lost activation failed");
        }
        Ok(())
    }

    /// Records a failed attempt; retries unless the domain ended the lease.
    async fn activation_failed(
        &self,
        lease_id: &LeaseId,
        info: FailureInfo,
        permanent: bool,
        err: Option<&GraphError>,
    ) -> anyhow::Result<Decision> {
        tracing::warn!(lease = %lease_id, kind = %info.kind, permanent, error = %info.message,
            "activation attempt failed");
        let done = match self
            .commands
            .record_activation_failure(lease_id, info, permanent, &self.meta())
            .await
        {
            Ok(done) => done,
            // Revoked meanwhile: revocation takes over (and scrambles whatever was set).
            Err(e) if e.is(ErrorCode::LeaseNotActive) => return Ok(Decision::Ack),
            Err(e) => return Err(e.into()),
        };
        if done.state.status() != Some(LeaseStatus::Requested) {
            return Ok(Decision::Ack);
        }
        let attempt = done.state.counted_activation_failures().max(1);
        let (base, cap) = (self.config.retry_base, self.config.activation_retry_cap);
        let delay = match err {
            Some(err) => retry_delay(
                err,
                attempt,
                base,
                cap,
                self.config.failing_revocation_retry_cap,
            ),
            None => crate::failure::backoff(attempt, base, cap),
        };
        Ok(Decision::Retry(delay))
    }
}
