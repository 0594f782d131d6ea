//! Requesting a lease: reserve the secret's single live slot, then create the lease.
//!
//! The two appends are separate transactions, so a crash between them (or between a
//! lease's end and its release) leaves a reservation pointing at a lease that is missing
//! or over. Such a reservation is reconciled when the next request meets it, so it never
//! blocks the user for long.

use chrono::Duration;
use leasehold_api::ErrorCode;
use leasehold_domain::{
    Lease, LeaseCommand, LeaseId, LeaseStatus, ReleaseReason, SecretCommand, SecretName, Ttl,
};
use serde_json::json;

use crate::{CommandError, Commands, Executed, Meta, Versioned};

/// Seconds after which a reservation whose lease never appeared counts as orphaned.
pub const ORPHAN_GRACE_SECS: i64 = 30;

/// How often a request reconciles a stale reservation before giving up with a conflict.
const RECONCILE_ROUNDS: usize = 3;

impl Commands {
    /// Requests a lease on `secret` for `ttl` (or the secret's default TTL).
    ///
    /// On success the lease is `requested`; a worker activates it.
    pub async fn request_lease(
        &self,
        secret: &SecretName,
        ttl: Option<Ttl>,
        meta: &Meta,
    ) -> Result<Executed<Lease>, CommandError> {
        let uuid = uuid::Uuid::now_v7();
        let lease_id = LeaseId::from_uuid(uuid).map_err(CommandError::from)?;
        self.request_lease_with_id(secret, lease_id, ttl, meta)
            .await
    }

    /// Like [`Commands::request_lease`] with a lease id chosen by the caller (idempotent
    /// retries pass the id they reserved before).
    pub async fn request_lease_with_id(
        &self,
        secret: &SecretName,
        lease_id: LeaseId,
        ttl: Option<Ttl>,
        meta: &Meta,
    ) -> Result<Executed<Lease>, CommandError> {
        let existing = self.leases.load_versioned(&lease_id).await?;
        self.request_lease_from(secret, lease_id, existing, ttl, meta)
            .await
    }

    /// Like [`Commands::request_lease_with_id`] with the lease as the caller loaded it
    /// just before: it is not loaded again (a concurrent retry that created it meanwhile
    /// costs one fresh load).
    pub async fn request_lease_from(
        &self,
        secret: &SecretName,
        lease_id: LeaseId,
        existing: Versioned<Lease>,
        ttl: Option<Ttl>,
        meta: &Meta,
    ) -> Result<Executed<Lease>, CommandError> {
        if existing.state.status().is_some() {
            return Ok(Executed {
                events: Vec::new(),
                state: existing.state,
            });
        }
        let reserve = SecretCommand::ReserveLease {
            lease_id,
            ttl,
            at: meta.at,
        };
        let mut round = 0;
        let reserved = loop {
            match self.secrets.execute(secret, reserve.clone(), meta).await {
                Ok(done) => break done,
                Err(e) if e.is(ErrorCode::LeaseConflict) && round < RECONCILE_ROUNDS => {
                    round += 1;
                    if !self.reconcile(secret, lease_id, meta).await? {
                        return Err(self.conflict(secret, e).await);
                    }
                }
                Err(e) => return Err(e),
            }
        };
        if reserved.state.definition().is_none() {
            return Err(CommandError::not_found("secret", secret.as_str()));
        }
        // A retry (same lease id) finds its own reservation already in place: the terms
        // come from the reservation either way.
        let Some(terms) =
            reserved
                .state
                .lease_terms(lease_id, meta.actor.clone(), meta.request_id.clone())
        else {
            return Err(CommandError::internal("reservation was not recorded"));
        };
        let command = LeaseCommand::Request { terms };
        match self
            .leases
            .execute_from(&lease_id, existing, command, meta)
            .await
        {
            // A concurrent retry with the same id created it first.
            Err(e) if e.is(ErrorCode::AlreadyExists) => Ok(Executed {
                events: Vec::new(),
                state: self.leases.load(&lease_id).await?,
            }),
            other => other,
        }
    }

    /// Releases the secret's reservation when its lease is over or never appeared.
    /// Returns whether anything was released.
    async fn reconcile(
        &self,
        secret: &SecretName,
        ours: LeaseId,
        meta: &Meta,
    ) -> Result<bool, CommandError> {
        let state = self.secrets.load(secret).await?;
        let Some(live) = state.live_lease().copied() else {
            return Ok(true);
        };
        if live.lease_id == ours {
            return Ok(false);
        }
        let lease = self.leases.load(&live.lease_id).await?;
        let reason = match lease.status() {
            None if meta.at - live.reserved_at > Duration::seconds(ORPHAN_GRACE_SECS) => {
                ReleaseReason::Orphaned
            }
            Some(LeaseStatus::Revoked | LeaseStatus::ActivationFailed) => ReleaseReason::Ended,
            _ => return Ok(false),
        };
        tracing::info!(secret = %secret, lease = %live.lease_id, ?reason, "releasing stale reservation");
        let release = SecretCommand::ReleaseLease {
            lease_id: live.lease_id,
            reason,
            at: meta.at,
        };
        self.secrets.execute(secret, release, meta).await?;
        Ok(true)
    }

    /// The conflict error, with the live lease's current expiry (renewals included).
    async fn conflict(&self, secret: &SecretName, domain: CommandError) -> CommandError {
        let Ok(state) = self.secrets.load(secret).await else {
            return domain;
        };
        let Some(live) = state.live_lease() else {
            return domain;
        };
        let expires_at = match self.leases.load(&live.lease_id).await {
            Ok(lease) => lease.expires_at().unwrap_or(live.expires_at),
            Err(_) => live.expires_at,
        };
        CommandError::new(
            ErrorCode::LeaseConflict,
            format!(
                "secret {secret} already has live lease {} until {}; revoke it or wait for \
                 it to expire",
                live.lease_id,
                expires_at.to_rfc3339()
            ),
            json!({
                "secret": secret.as_str(),
                "lease_id": live.lease_id.to_string(),
                "expires_at": expires_at,
            }),
        )
    }
}
