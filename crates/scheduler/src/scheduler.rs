//! Claiming due deadlines and expiring their leases, by the database's clock.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use leasehold_api::ErrorCode;
use leasehold_command::{Commands, Meta};
use leasehold_domain::{Actor, LeaseId};

use crate::Clock;

/// Leases expired at once by one scheduler (the size of the engine's connection pool).
const EXPIRE_CONCURRENCY: usize = 32;

/// Tunables of the scheduler.
#[derive(Clone, Debug)]
pub struct SchedulerConfig {
    /// Due leases claimed per step.
    pub batch: i64,
    /// How long a claim keeps other schedulers off a lease (crash recovery time).
    pub claim_for: Duration,
    /// Longest sleep between checks, even with no deadline in sight.
    pub max_sleep: Duration,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        Self {
            batch: 256,
            claim_for: Duration::from_secs(30),
            max_sleep: Duration::from_secs(30),
        }
    }
}

/// What one step did.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// This many leases were expired.
    Expired(usize),
    /// Nothing is due; the next deadline, if any.
    Idle(Option<DateTime<Utc>>),
}

/// Expires due leases.
pub struct Scheduler {
    commands: Arc<Commands>,
    clock: Arc<dyn Clock>,
    config: SchedulerConfig,
}

impl Scheduler {
    /// A scheduler running `ExpireLease` through `commands`, timed by `clock`.
    pub fn new(commands: Arc<Commands>, clock: Arc<dyn Clock>, config: SchedulerConfig) -> Self {
        Self {
            commands,
            clock,
            config,
        }
    }

    /// What the scheduler treats as now: the database's `now()`, or the injected clock's
    /// limit when that is earlier (tests drive time through the past this way). Never the
    /// process clock alone: a skewed host must neither expire leases early nor late.
    pub async fn now(&self) -> anyhow::Result<DateTime<Utc>> {
        self.commands
            .store()
            .now_at_most(self.clock.limit())
            .await
            .context("read the database clock")
    }

    /// Claims the due deadlines and expires their leases (actor `system:scheduler`).
    pub async fn step(&self) -> anyhow::Result<Step> {
        let now = self.now().await?;
        let claim_until = now + chrono::Duration::from_std(self.config.claim_for)?;
        let due = self
            .commands
            .store()
            .claim_due_deadlines(now, claim_until, self.config.batch)
            .await
            .context("claim due leases")?;
        if due.is_empty() {
            return Ok(Step::Idle(self.next_deadline().await?));
        }
        let meta = Meta::new(Actor::system("scheduler"), now);
        // Each claimed lease is a separate aggregate: expire them concurrently.
        let expired = futures::stream::iter(due)
            .map(|id| {
                let meta = &meta;
                async move { self.expire(&id, meta).await }
            })
            .buffer_unordered(EXPIRE_CONCURRENCY)
            .filter(|done| futures::future::ready(*done))
            .count()
            .await;
        Ok(Step::Expired(expired))
    }

    /// Expires one claimed lease; true when it was expired now.
    #[tracing::instrument(name = "expiry", skip(self, meta),
        fields(lease_id = %lease_id, request_id = tracing::field::Empty))]
    async fn expire(&self, lease_id: &LeaseId, meta: &Meta) -> bool {
        match self.commands.expire_lease(lease_id, meta).await {
            Ok(done) => {
                // The request id the lease was created with, as the worker logs it too.
                if let Some(request_id) = done.state.request_id() {
                    tracing::Span::current().record("request_id", request_id);
                }
                tracing::info!("lease expired; revocation requested");
                true
            }
            // Renewed meanwhile: the trigger moved the deadline and cleared the claim.
            Err(e) if e.is(ErrorCode::LeaseNotExpired) => false,
            Err(e) => {
                tracing::warn!(lease = %lease_id, code = %e.code, message = %e.message,
                    "expiry failed; retried when the claim lapses");
                false
            }
        }
    }

    /// The earliest moment something may become due (a claimed deadline counts from
    /// when its claim lapses).
    pub async fn next_deadline(&self) -> anyhow::Result<Option<DateTime<Utc>>> {
        self.commands
            .store()
            .next_deadline()
            .await
            .context("next deadline")
    }

    /// Runs until `shutdown`: expires what is due, then sleeps until the next deadline
    /// or until a new deadline is announced.
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()>) -> anyhow::Result<()> {
        tokio::pin!(shutdown);
        let mut listener = self
            .commands
            .store()
            .listen_deadlines()
            .await
            .context("listen for deadlines")?;
        loop {
            let sleep = match self.step().await {
                Ok(Step::Expired(_)) => continue,
                Ok(Step::Idle(next)) => match (next, self.now().await) {
                    (Some(at), Ok(now)) => (at - now)
                        .to_std()
                        .unwrap_or(Duration::ZERO)
                        .min(self.config.max_sleep),
                    (Some(_), Err(_)) => Duration::from_secs(1),
                    (None, _) => self.config.max_sleep,
                },
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "scheduler step failed");
                    Duration::from_secs(1)
                }
            };
            // A due deadline still claimed by a crashed scheduler: check again soon.
            let sleep = sleep.max(Duration::from_millis(20));
            tokio::select! {
                _ = &mut shutdown => return Ok(()),
                _ = listener.recv() => {}
                _ = tokio::time::sleep(sleep) => {}
            }
        }
    }
}
