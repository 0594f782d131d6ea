//! Revocation: make a lease's credential useless (a random password nobody knows, or the
//! Temporary Access Pass deleted; then revokeSignInSessions) and record it. It never
//! gives up: the next attempt is due in PostgreSQL (`revocation_attempts`), later once
//! the lease shows `revocation_failing`.
//! A forced revocation closes the lease at once, and its scramble is retried the same way
//! until Graph confirms it (`ForcedRevocationConfirmed`).

use std::time::Duration;

use leasehold_api::ErrorCode;
use leasehold_command::RevocationFound;
use leasehold_domain::{FailureInfo, Lease, LeaseStatus, REVOCATION_FAILING_AFTER, THROTTLED_KIND};
use leasehold_graph::{Credentials, ErrorKind};

use crate::due::{Claim, DueRevocations};
use crate::effects::{record_request_id, Creds, Effects};
use crate::failure::{backoff, failure_info, local_failure, retry_delay, same_trouble};
use crate::gate::ConnectionGate;

/// Failed attempts folded into one event at most: a long outage writes about one event per
/// this many attempts per lease instead of one per attempt.
pub const FOLD_AT_MOST: u32 = 50;

impl Effects {
    /// Attempts one claimed revocation and records the outcome. An infrastructure error
    /// (database, lock) gives the claim back, due again after a backoff, and is returned.
    pub(crate) async fn revoke_claimed(&self, claim: Claim) -> anyhow::Result<()> {
        let outcome = with_heartbeat(&self.due, &claim, self.attempt_revocation(&claim)).await;
        if let Err(e) = outcome {
            let delay = backoff(
                claim.attempt.saturating_add(1),
                self.config.retry_base,
                self.config.revocation_retry_cap,
            );
            if let Err(release) = self.due.release(&claim, delay).await {
                tracing::warn!(lease = %claim.lease_id, error = %format!("{release:#}"),
                    "giving a revocation claim back; it lapses on its own");
            }
            return Err(e.context(format!("revocation of {}", claim.lease_id)));
        }
        Ok(())
    }

    #[tracing::instrument(name = "revocation", skip_all, fields(lease_id = %claim.lease_id,
        request_id = tracing::field::Empty, forced = claim.forced))]
    async fn attempt_revocation(&self, claim: &Claim) -> anyhow::Result<()> {
        let lease_id = claim.lease_id;
        let lease = self.commands.leases.load(&lease_id).await?;
        record_request_id(&lease);
        let (Some(connection), Some(user)) = (lease.connection(), lease.user_object_id()) else {
            // No terms: no credential was ever set for this id.
            return self.due.forget(&lease_id).await;
        };
        if !needs_scramble(&lease) {
            tracing::debug!(lease = %lease_id, status = ?lease.status(), "revocation: nothing to do");
            return self.due.forget(&lease_id).await;
        }
        let creds = match self.credentials(connection).await? {
            Creds::Ready(creds) => creds,
            Creds::Gone(e) => {
                let info = local_failure("configuration", e.message);
                return self.revocation_failed(claim, &lease, info, None).await;
            }
        };
        let gate = self.gate(connection);
        let lock = self.locks.lock(user.as_str()).await?;
        let result = self.revoke_locked(claim, &creds, &gate).await;
        if let Err(e) = lock.release().await {
            tracing::warn!(lease = %lease_id, error = %format!("{e:#}"), "releasing the user lock");
        }
        result
    }

    async fn revoke_locked(
        &self,
        claim: &Claim,
        creds: &Credentials,
        gate: &std::sync::Arc<ConnectionGate>,
    ) -> anyhow::Result<()> {
        let lease_id = claim.lease_id;
        // Reload under the lock: another worker may have confirmed meanwhile.
        let lease = self.commands.leases.load(&lease_id).await?;
        let Some(user) = lease.user_object_id().filter(|_| needs_scramble(&lease)) else {
            return self.due.forget(&lease_id).await;
        };
        if lease.scramble_pending() && self.newer_lease_took_over(&lease).await? {
            // A newer lease set its own password after this one was forced closed: the
            // old password is already gone, and scrambling would break the newer one.
            tracing::info!(lease = %lease_id, "forced revocation: a newer lease replaced the password");
            return self.confirm(claim, false).await;
        }
        let kind = lease.credential_kind().unwrap_or_default();
        let found = match self.take_back(kind, gate, creds, user).await {
            Ok(taken) => RevocationFound {
                user_missing: false,
                credential_gone: taken.credential_gone,
            },
            // A deleted user has no credential left: that counts as revoked.
            Err(err) if *err.kind() == ErrorKind::NotFound => RevocationFound {
                user_missing: true,
                credential_gone: false,
            },
            Err(err) => {
                let info = failure_info(&err);
                return self
                    .revocation_failed(claim, &lease, info, Some(&err))
                    .await;
            }
        };
        self.confirm_found(claim, found).await
    }

    /// Records the confirmation (with any folded failures before it).
    async fn confirm(&self, claim: &Claim, user_missing: bool) -> anyhow::Result<()> {
        let found = RevocationFound {
            user_missing,
            credential_gone: false,
        };
        self.confirm_found(claim, found).await
    }

    /// Records the confirmation with what Graph found (the user gone, or the credential
    /// already gone: a Temporary Access Pass Entra expired).
    async fn confirm_found(&self, claim: &Claim, found: RevocationFound) -> anyhow::Result<()> {
        self.commands
            .confirm_revocation_found(&claim.lease_id, found, claim.folded.clone(), &self.meta())
            .await?;
        tracing::info!(lease = %claim.lease_id, user_missing = found.user_missing,
            credential_gone = found.credential_gone, forced = claim.forced,
            attempts = claim.attempt.saturating_add(1), "lease revoked");
        Ok(())
    }

    /// True when the lease's secret has moved on to a newer lease that set (or is
    /// revoking) its own password.
    async fn newer_lease_took_over(&self, lease: &Lease) -> anyhow::Result<bool> {
        let Some(secret) = lease.secret() else {
            return Ok(false);
        };
        let state = self.commands.secrets.load(secret).await?;
        let Some(live) = state
            .live_lease()
            .filter(|l| Some(&l.lease_id) != lease.terms().map(|t| &t.lease_id))
        else {
            return Ok(false);
        };
        let newer = self.commands.leases.load(&live.lease_id).await?;
        // A newer lease still `requested` has set nothing yet; scrambling now, under the
        // user lock, happens before its activation and so cannot break it.
        Ok(matches!(
            newer.status(),
            Some(LeaseStatus::Active | LeaseStatus::Revoking | LeaseStatus::Revoked)
        ))
    }

    /// Counts a failed attempt and schedules the next one: folded into the row while the
    /// trouble stays the same and the lease's `failing` flag would not change, otherwise
    /// recorded as an event (with the folded ones before it).
    async fn revocation_failed(
        &self,
        claim: &Claim,
        lease: &Lease,
        info: FailureInfo,
        err: Option<&leasehold_graph::GraphError>,
    ) -> anyhow::Result<()> {
        let lease_id = claim.lease_id;
        let attempt = claim.attempt.saturating_add(1);
        // The exponential step grows with counted failures only: a throttled answer says
        // when to come back (Retry-After) and must not stretch every later wait.
        let counted = lease
            .counted_revocation_failures()
            .saturating_add(
                claim
                    .folded
                    .as_ref()
                    .map_or(0, |f| f.count.saturating_sub(f.throttled)),
            )
            .saturating_add(u32::from(info.kind != THROTTLED_KIND))
            .max(1);
        let failing = lease.revocation_failing();
        let cap = if failing {
            self.config.failing_revocation_retry_cap
        } else {
            self.config.revocation_retry_cap
        };
        let delay = match err {
            Some(err) => retry_delay(
                err,
                counted,
                self.config.retry_base,
                cap,
                self.config.failing_revocation_retry_cap,
            ),
            None => backoff(counted, self.config.retry_base, cap),
        };
        tracing::warn!(lease = %lease_id, kind = %info.kind, error = %info.message, attempt,
            retry_in_ms = delay.as_millis() as u64, "revocation attempt failed");
        if self.may_fold(claim, lease, &info) {
            return self.due.fold(claim, &info, self.meta().at, delay).await;
        }
        let retry_in_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        let done = match self
            .commands
            .record_revocation_failure_after(
                &lease_id,
                info,
                claim.folded.clone(),
                Some(retry_in_ms),
                &self.meta(),
            )
            .await
        {
            Ok(done) => done,
            // Revoked meanwhile (forced, or another worker confirmed): nothing left to do.
            Err(e) if e.is(ErrorCode::LeaseNotActive) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        if done.state.revocation_failing() && !failing {
            tracing::error!(lease = %lease_id, attempts = done.state.revocation_attempts(),
                "revocation is failing; retrying until it succeeds or an operator forces it");
        }
        Ok(())
    }

    /// Whether this failure may be folded instead of recorded now.
    fn may_fold(&self, claim: &Claim, lease: &Lease, info: &FailureInfo) -> bool {
        let Some(last) = claim.last_error_kind.as_deref() else {
            // The first failure is always recorded at once.
            return false;
        };
        let folded = claim.folded.as_ref();
        let count = folded.map_or(0, |f| f.count);
        let counted_folded = folded.map_or(0, |f| f.count.saturating_sub(f.throttled));
        let counted_after = lease
            .counted_revocation_failures()
            .saturating_add(counted_folded)
            .saturating_add(u32::from(info.kind != THROTTLED_KIND));
        same_trouble(last, &info.kind)
            && count.saturating_add(1) < FOLD_AT_MOST
            && (lease.revocation_failing() || counted_after < REVOCATION_FAILING_AFTER)
    }
}

/// True while the lease's password may still work: revoking, or forced closed and not yet
/// confirmed by Graph.
fn needs_scramble(lease: &Lease) -> bool {
    lease.status() == Some(LeaseStatus::Revoking) || lease.scramble_pending()
}

/// Runs `work`, extending the claim while it runs so no other worker takes it over, and
/// so a killed worker's claim lapses within one claim period. The heartbeat runs beside
/// the work, never instead of it: an extension waiting on the row lock that the work's own
/// append holds must not stop that append from committing.
async fn with_heartbeat<F: std::future::Future>(
    due: &DueRevocations,
    claim: &Claim,
    work: F,
) -> F::Output {
    let every = (due.claim_for() / 3).max(Duration::from_millis(100));
    tokio::pin!(work);
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    loop {
        let beat = async {
            ticks.tick().await;
            due.extend(claim).await
        };
        tokio::select! {
            out = &mut work => return out,
            extended = beat => if let Err(e) = extended {
                tracing::debug!(error = %format!("{e:#}"), "extending a revocation claim");
            },
        }
    }
}
