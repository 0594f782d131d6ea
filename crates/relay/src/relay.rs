//! The relay loop and its single step.

use std::time::{Duration, Instant};

use anyhow::Context;
use async_nats::jetstream;
use async_nats::jetstream::context::PublishAckFuture;
use async_nats::HeaderMap;
use leasehold_bus::{ensure_stream, StreamSettings, Subjects, HEADER_MSG_ID};
use sqlx::postgres::PgListener;
use sqlx::PgPool;

use crate::leader::Leadership;
use crate::outbox::{fetch_unpublished, fetch_unpublished_except, mark_published, OutboxRow};
use crate::prune::{prune, Retention};
use crate::window::{Sent, Window};

/// How often the leading relay prunes.
const PRUNE_EVERY: Duration = Duration::from_secs(600);

/// What one step did.
#[derive(Debug, PartialEq, Eq)]
pub enum RelayStep {
    /// Published and marked this many events.
    Published(usize),
    /// Nothing to publish.
    Idle,
    /// Another relay holds the lead; this one stands by.
    Standby,
}

/// Publishes the outbox to JetStream.
pub struct Relay {
    pool: PgPool,
    js: jetstream::Context,
    subjects: Subjects,
    stream: StreamSettings,
    batch: i64,
    leader: Option<Leadership>,
    retention: Retention,
    last_prune: Option<Instant>,
}

impl Relay {
    /// A relay over `pool` publishing through `js` under `subjects`.
    pub fn new(pool: PgPool, js: jetstream::Context, subjects: Subjects) -> Self {
        Self {
            pool,
            js,
            subjects,
            stream: StreamSettings::default(),
            batch: 500,
            leader: None,
            retention: Retention::default(),
            last_prune: None,
        }
    }

    /// Keeps published outbox rows and ended leases' request ids this long.
    pub fn with_retention(mut self, retention: Retention) -> Self {
        self.retention = retention;
        self
    }

    /// Re-creates a lost event stream with these settings (default: one replica).
    pub fn with_stream_settings(mut self, settings: StreamSettings) -> Self {
        self.stream = settings;
        self
    }

    /// Publishes at most `batch` rows per step.
    pub fn with_batch(mut self, batch: i64) -> Self {
        self.batch = batch.max(1);
        self
    }

    fn lock_key(&self) -> String {
        format!("leasehold.relay.{}", self.subjects.prefix())
    }

    /// Takes the lead if it is free. Keeps it while the session lives (see `leader.rs`
    /// for why the lock's connection never returns to the pool).
    async fn lead(&mut self) -> anyhow::Result<bool> {
        if let Some(leader) = self.leader.as_mut() {
            if leader.alive().await {
                return Ok(true);
            }
            self.leader = None;
        }
        let conn = self
            .pool
            .acquire()
            .await
            .context("acquire leader connection")?;
        self.leader = Leadership::take(conn, &self.lock_key())
            .await
            .context("try relay lock")?;
        Ok(self.leader.is_some())
    }

    /// Gives the lead up, so that another relay (or this one, later) can take it.
    pub async fn resign(&mut self) {
        if let Some(leader) = self.leader.take() {
            leader.resign().await;
        }
    }

    /// Publishes one batch of outbox rows and marks them published. A failed step
    /// resigns the lead: a relay that cannot publish lets another one try.
    pub async fn step(&mut self) -> anyhow::Result<RelayStep> {
        let result = self.try_step().await;
        if result.is_err() {
            self.recover().await;
        }
        result
    }

    /// After a failed step: resigns the lead and makes sure the stream exists again.
    async fn recover(&mut self) {
        self.resign().await;
        // A publish fails when the stream was deleted under us (nothing answers on
        // its subjects): make sure it exists again before the next attempt, so the
        // outbox, which still holds every unpublished event, drains into it.
        if let Err(e) = ensure_stream(&self.js, &self.subjects, &self.stream).await {
            tracing::warn!(error = %e, "event stream unavailable");
        }
    }

    /// One turn of [`Relay::run`]: sends new batches while the window has room, then
    /// waits for the oldest batch's acks and marks its rows, so a batch is on its way
    /// while the one before it is acknowledged. Sends go out in outbox order over one
    /// connection, which keeps each aggregate's events in order.
    async fn turn(&mut self, window: &mut Window) -> anyhow::Result<RelayStep> {
        if !self.lead().await? {
            window.clear();
            return Ok(RelayStep::Standby);
        }
        while window.has_room() {
            let rows = fetch_unpublished_except(&self.pool, self.batch, &window.in_flight())
                .await
                .context("read outbox")?;
            if rows.is_empty() {
                break;
            }
            let full = rows.len() as i64 >= self.batch;
            let acks = self.send(&rows).await?;
            window.push(Sent {
                ids: rows.iter().map(|r| r.id).collect(),
                acks,
            });
            if !full {
                break;
            }
        }
        let Some(oldest) = window.oldest() else {
            return Ok(RelayStep::Idle);
        };
        await_acks(oldest.acks).await?;
        mark_published(&self.pool, &oldest.ids)
            .await
            .context("mark outbox rows published")?;
        Ok(RelayStep::Published(oldest.ids.len()))
    }

    async fn try_step(&mut self) -> anyhow::Result<RelayStep> {
        if !self.lead().await? {
            return Ok(RelayStep::Standby);
        }
        let rows = fetch_unpublished(&self.pool, self.batch)
            .await
            .context("read outbox")?;
        if rows.is_empty() {
            return Ok(RelayStep::Idle);
        }
        self.publish(&rows).await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        mark_published(&self.pool, &ids)
            .await
            .context("mark outbox rows published")?;
        Ok(RelayStep::Published(rows.len()))
    }

    /// Prunes (see `prune.rs`) when this relay leads and the last pruning is
    /// [`PRUNE_EVERY`] old. A failure is logged and retried at the next interval.
    async fn prune_if_due(&mut self) {
        if self.leader.is_none() || self.last_prune.is_some_and(|t| t.elapsed() < PRUNE_EVERY) {
            return;
        }
        self.last_prune = Some(Instant::now());
        match prune(&self.pool, chrono::Utc::now(), self.retention).await {
            Ok(p) if p.outbox + p.lease_requests > 0 => tracing::info!(
                outbox = p.outbox,
                lease_requests = p.lease_requests,
                "pruned published outbox rows and ended leases' request ids"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "pruning failed; retrying later"),
        }
    }

    /// Publishes rows in order and waits for every JetStream ack (does not mark them).
    pub async fn publish(&self, rows: &[OutboxRow]) -> anyhow::Result<()> {
        let acks = self.send(rows).await?;
        await_acks(acks).await
    }

    /// Sends rows in order; their acks are returned, not awaited.
    async fn send(&self, rows: &[OutboxRow]) -> anyhow::Result<Vec<PublishAckFuture>> {
        let mut acks = Vec::with_capacity(rows.len());
        for row in rows {
            let m = &row.message;
            let subject = self
                .subjects
                .event(&m.aggregate_type, &m.aggregate_id, &m.event_type);
            let mut headers = HeaderMap::new();
            headers.insert(HEADER_MSG_ID, m.msg_id().as_str());
            let body = serde_json::to_vec(m).context("encode event")?;
            let ack = self
                .js
                .publish_with_headers(subject, headers, body.into())
                .await
                .context("publish event")?;
            acks.push(ack);
        }
        Ok(acks)
    }

    /// Runs until `shutdown` resolves: publishes whenever the outbox has rows, woken
    /// by `pg_notify` (with a periodic check in case a notification was missed), with up
    /// to a window of batches awaiting their acks at once.
    pub async fn run(
        mut self,
        shutdown: impl std::future::Future<Output = ()>,
    ) -> anyhow::Result<()> {
        tokio::pin!(shutdown);
        let mut listener = PgListener::connect_with(&self.pool)
            .await
            .context("listen")?;
        listener
            .listen("leasehold_outbox")
            .await
            .context("listen")?;
        let mut window = Window::default();
        loop {
            let turn = self.turn(&mut window).await;
            if turn.is_err() {
                window.clear();
                self.recover().await;
            }
            let wait = match turn {
                Ok(RelayStep::Published(_)) => continue,
                Ok(RelayStep::Idle) => {
                    self.prune_if_due().await;
                    Duration::from_secs(1)
                }
                Ok(RelayStep::Standby) => Duration::from_secs(2),
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "relay step failed; retrying");
                    Duration::from_secs(1)
                }
            };
            tokio::select! {
                _ = &mut shutdown => {
                    self.resign().await;
                    return Ok(());
                }
                _ = listener.recv() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }
}

/// Waits for every ack of a sent batch.
async fn await_acks(acks: Vec<PublishAckFuture>) -> anyhow::Result<()> {
    for ack in acks {
        ack.await
            .context("JetStream did not acknowledge an event")?;
    }
    Ok(())
}
