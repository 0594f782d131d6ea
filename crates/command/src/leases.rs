//! Lease commands after the request: activation, renewal, revocation, expiry, failures.
//! When a lease ends, its data key is destroyed and the secret's slot is released.

use leasehold_api::ErrorCode;
use leasehold_crypto::{open, seal};
use leasehold_domain::{
    FailureInfo, FoldedFailures, Lease, LeaseCommand, LeaseId, LeaseStatus, ReleaseReason,
    RevocationReason, SecretCommand, Ttl,
};
use secrecy::SecretString;

use crate::{CommandError, Commands, Executed, Meta};

impl Commands {
    /// Records that `password` is now set on the lease's user: seals it under a new
    /// per-lease data key and appends `LeaseActivated`.
    pub async fn activate_lease(
        &self,
        lease_id: &LeaseId,
        password: &SecretString,
        meta: &Meta,
    ) -> Result<Executed<Lease>, CommandError> {
        // A fresh key id per attempt: a retried activation never overwrites the key of
        // an activation that did commit.
        let key_id = format!("{}{}", lease_key_prefix(lease_id), uuid::Uuid::now_v7());
        let key = self
            .keys()
            .create(&key_id)
            .await
            .map_err(|e| CommandError::unavailable(e.to_string()))?;
        let credential = seal(&key, &lease_id.to_string(), password);
        let command = LeaseCommand::Activate {
            credential,
            at: meta.at,
        };
        let result = self.leases.execute(lease_id, command, meta).await;
        if result.is_err() {
            self.keys().destroy(&key_id).await.ok();
        }
        result
    }

    /// Opens the credential of an active lease.
    pub async fn lease_credential(
        &self,
        lease_id: &LeaseId,
    ) -> Result<(Lease, SecretString), CommandError> {
        let lease = self.leases.load(lease_id).await?;
        let password = self.credential_of(lease_id, &lease).await?;
        Ok((lease, password))
    }

    /// Opens the credential of `lease` in the state the caller has (not loaded again).
    pub async fn credential_of(
        &self,
        lease_id: &LeaseId,
        lease: &Lease,
    ) -> Result<SecretString, CommandError> {
        let sealed = match (lease.status(), lease.credential()) {
            (Some(LeaseStatus::Active), Some(sealed)) => sealed.clone(),
            (None, _) => return Err(CommandError::not_found("lease", &lease_id.to_string())),
            (Some(status), _) => {
                return Err(CommandError::new(
                    ErrorCode::LeaseNotActive,
                    format!("lease {lease_id} is {status}; its credential is not available"),
                    serde_json::json!({ "lease_id": lease_id.to_string(), "status": status }),
                ))
            }
        };
        let key = self
            .keys()
            .load(&sealed.key_id)
            .await
            .map_err(|e| CommandError::internal(e.to_string()))?;
        open(&key, &lease_id.to_string(), &sealed)
            .map_err(|e| CommandError::internal(e.to_string()))
    }

    /// Renews an active lease by `increment` (default: the secret's default TTL).
    pub async fn renew_lease(
        &self,
        lease_id: &LeaseId,
        increment: Option<Ttl>,
        meta: &Meta,
    ) -> Result<Executed<Lease>, CommandError> {
        let command = LeaseCommand::Renew {
            increment,
            at: meta.at,
        };
        self.leases.execute(lease_id, command, meta).await
    }

    /// Revokes a lease; `force` marks it revoked at once, whatever Graph says (the worker
    /// still retries the scramble until Graph confirms it).
    pub async fn revoke_lease(
        &self,
        lease_id: &LeaseId,
        reason: RevocationReason,
        force: bool,
        meta: &Meta,
    ) -> Result<Executed<Lease>, CommandError> {
        let command = LeaseCommand::Revoke {
            reason,
            force,
            at: meta.at,
        };
        let done = self.leases.execute(lease_id, command, meta).await?;
        self.settle(lease_id, &done.state, meta).await?;
        Ok(done)
    }

    /// Starts revocation of a lease whose expiry has passed.
    pub async fn expire_lease(
        &self,
        lease_id: &LeaseId,
        meta: &Meta,
    ) -> Result<Executed<Lease>, CommandError> {
        let command = LeaseCommand::Expire { at: meta.at };
        self.leases.execute(lease_id, command, meta).await
    }

    /// Records a failed activation attempt; a permanent one ends the lease.
    pub async fn record_activation_failure(
        &self,
        lease_id: &LeaseId,
        error: FailureInfo,
        permanent: bool,
        meta: &Meta,
    ) -> Result<Executed<Lease>, CommandError> {
        let command = LeaseCommand::RecordActivationFailure {
            error,
            permanent,
            at: meta.at,
        };
        let done = self.leases.execute(lease_id, command, meta).await?;
        self.settle(lease_id, &done.state, meta).await?;
        Ok(done)
    }

    /// Records a failed revocation attempt (the next one is due in a minute).
    pub async fn record_revocation_failure(
        &self,
        lease_id: &LeaseId,
        error: FailureInfo,
        meta: &Meta,
    ) -> Result<Executed<Lease>, CommandError> {
        self.record_revocation_failure_after(lease_id, error, None, None, meta)
            .await
    }

    /// Records a failed revocation attempt, after the identical ones `folded` stands for;
    /// the next attempt is due `retry_in_ms` from the database's now (the worker keeps
    /// retrying until Graph confirms).
    pub async fn record_revocation_failure_after(
        &self,
        lease_id: &LeaseId,
        error: FailureInfo,
        folded: Option<FoldedFailures>,
        retry_in_ms: Option<u64>,
        meta: &Meta,
    ) -> Result<Executed<Lease>, CommandError> {
        let command = LeaseCommand::RecordRevocationFailure {
            error,
            at: meta.at,
            folded,
            retry_in_ms,
        };
        self.leases.execute(lease_id, command, meta).await
    }

    /// Records that the Graph revocation succeeded (or the user no longer exists).
    pub async fn confirm_revocation(
        &self,
        lease_id: &LeaseId,
        user_missing: bool,
        meta: &Meta,
    ) -> Result<Executed<Lease>, CommandError> {
        self.confirm_revocation_after(lease_id, user_missing, None, meta)
            .await
    }

    /// Records that the Graph revocation succeeded (or the user no longer exists), after
    /// the failures `folded` stands for; after a forced revocation this records that the
    /// scramble was confirmed.
    pub async fn confirm_revocation_after(
        &self,
        lease_id: &LeaseId,
        user_missing: bool,
        folded: Option<FoldedFailures>,
        meta: &Meta,
    ) -> Result<Executed<Lease>, CommandError> {
        let found = RevocationFound {
            user_missing,
            credential_gone: false,
        };
        self.confirm_revocation_found(lease_id, found, folded, meta)
            .await
    }

    /// As [`Commands::confirm_revocation_after`], saying what Graph found: the user gone,
    /// or the credential already gone (a Temporary Access Pass Entra expired).
    pub async fn confirm_revocation_found(
        &self,
        lease_id: &LeaseId,
        found: RevocationFound,
        folded: Option<FoldedFailures>,
        meta: &Meta,
    ) -> Result<Executed<Lease>, CommandError> {
        let command = LeaseCommand::ConfirmRevocation {
            at: meta.at,
            user_missing: found.user_missing,
            credential_gone: found.credential_gone,
            folded,
        };
        let done = self.leases.execute(lease_id, command, meta).await?;
        self.settle(lease_id, &done.state, meta).await?;
        Ok(done)
    }

    /// Once a lease has ended: destroy its data keys and release the secret's slot.
    /// Idempotent, so it is safe to call again after a crash.
    pub async fn settle(
        &self,
        lease_id: &LeaseId,
        lease: &Lease,
        meta: &Meta,
    ) -> Result<(), CommandError> {
        if !matches!(
            lease.status(),
            Some(LeaseStatus::Revoked | LeaseStatus::ActivationFailed)
        ) {
            return Ok(());
        }
        self.keys()
            .destroy_prefix(&lease_key_prefix(lease_id))
            .await
            .map_err(|e| CommandError::unavailable(e.to_string()))?;
        if let Some(secret) = lease.secret() {
            let release = SecretCommand::ReleaseLease {
                lease_id: *lease_id,
                reason: ReleaseReason::Ended,
                at: meta.at,
            };
            self.secrets.execute(secret, release, meta).await?;
        }
        Ok(())
    }
}

/// Data keys of a lease are named `lease:<id>:<nonce>`.
fn lease_key_prefix(lease_id: &LeaseId) -> String {
    format!("lease:{lease_id}:")
}

/// What a successful revocation found in Entra.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RevocationFound {
    /// The Entra user no longer exists.
    pub user_missing: bool,
    /// The credential was already gone (a Temporary Access Pass Entra expired).
    pub credential_gone: bool,
}
