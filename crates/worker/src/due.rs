//! Revocations due in PostgreSQL: the `revocation_attempts` rows the worker claims
//! (`leasehold_store::Store::claim_revocations`).
//!
//! A row is written by a trigger in the same transaction as `LeaseRevocationRequested`
//! (or a forced `LeaseRevoked`) and rescheduled by every recorded failure, so the only
//! thing that ends a revocation is Graph confirming it. Nothing depends on a message
//! surviving in JetStream: a purged stream, a lost message or a killed worker only delays
//! an attempt until its claim lapses. Every time comparison uses the database's `now()`.

use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use leasehold_domain::{FailureInfo, LeaseId};
use leasehold_store::Store;
use sqlx::postgres::PgListener;

/// One claimed revocation.
pub(crate) type Claim = leasehold_store::RevocationClaim;

/// The claims of one worker on `revocation_attempts`.
#[derive(Clone, Debug)]
pub(crate) struct DueRevocations {
    store: Store,
    claim_for: Duration,
}

impl DueRevocations {
    pub(crate) fn new(store: Store, claim_for: Duration) -> Self {
        Self { store, claim_for }
    }

    /// How long a claim lasts without a heartbeat.
    pub(crate) fn claim_for(&self) -> Duration {
        self.claim_for
    }

    /// Claims up to `max` due revocations, at most `per_connection` per connection
    /// counting the `held` ones (connection, attempts running on it).
    pub(crate) async fn claim(
        &self,
        max: usize,
        per_connection: usize,
        held: &[(String, usize)],
    ) -> anyhow::Result<Vec<Claim>> {
        self.store
            .claim_revocations(max, per_connection, held, self.claim_for)
            .await
            .context("claim due revocations")
    }

    /// A listener told (payload: the connection) when a revocation becomes due now.
    pub(crate) async fn listen(&self) -> anyhow::Result<PgListener> {
        self.store
            .listen_revocations()
            .await
            .context("listen for due revocations")
    }

    /// Unforced revocations not yet confirmed, per connection.
    pub(crate) async fn backlog(&self) -> anyhow::Result<Vec<(String, i64)>> {
        self.store
            .revocation_backlog()
            .await
            .context("revocation backlog")
    }

    /// How long until the earliest revocation not on a `busy` connection may be claimed.
    pub(crate) async fn next_due(&self, busy: &[String]) -> anyhow::Result<Option<Duration>> {
        self.store
            .next_revocation_due(busy)
            .await
            .context("next due revocation")
    }

    /// Keeps `claim` alive while its attempt runs.
    pub(crate) async fn extend(&self, claim: &Claim) -> anyhow::Result<()> {
        self.store
            .extend_revocation_claim(claim, self.claim_for)
            .await
            .context("extend a revocation claim")
    }

    /// Counts a failed attempt without an event (folded into the next one) and schedules
    /// the next attempt `delay` from the database's now.
    pub(crate) async fn fold(
        &self,
        claim: &Claim,
        error: &FailureInfo,
        at: DateTime<Utc>,
        delay: Duration,
    ) -> anyhow::Result<()> {
        self.store
            .fold_revocation_failure(claim, error, at, delay)
            .await
            .context("fold a failed revocation attempt")
    }

    /// Gives the claim back, due again after `delay` (an infrastructure error, not a
    /// Graph answer: nothing is recorded).
    pub(crate) async fn release(&self, claim: &Claim, delay: Duration) -> anyhow::Result<()> {
        self.store
            .release_revocation_claim(claim, delay)
            .await
            .context("release a revocation claim")
    }

    /// Removes the row of a lease with nothing left to revoke.
    pub(crate) async fn forget(&self, lease_id: &LeaseId) -> anyhow::Result<()> {
        self.store
            .forget_revocation(lease_id)
            .await
            .context("forget a revocation")
    }
}
