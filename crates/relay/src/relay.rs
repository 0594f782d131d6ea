//! The relay loop and its single step.

use std::time::Duration;

use anyhow::Context;
use async_nats::jetstream;
use async_nats::HeaderMap;
use leasehold_bus::{Subjects, HEADER_MSG_ID};
use sqlx::pool::PoolConnection;
use sqlx::postgres::PgListener;
use sqlx::{PgPool, Postgres};

use crate::outbox::{fetch_unpublished, mark_published, OutboxRow};

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
    batch: i64,
    leader: Option<PoolConnection<Postgres>>,
}

impl Relay {
    /// A relay over `pool` publishing through `js` under `subjects`.
    pub fn new(pool: PgPool, js: jetstream::Context, subjects: Subjects) -> Self {
        Self {
            pool,
            js,
            subjects,
            batch: 500,
            leader: None,
        }
    }

    /// Publishes at most `batch` rows per step.
    pub fn with_batch(mut self, batch: i64) -> Self {
        self.batch = batch.max(1);
        self
    }

    fn lock_key(&self) -> String {
        format!("leasehold.relay.{}", self.subjects.prefix())
    }

    /// Takes the lead if it is free. Keeps it while the connection lives.
    async fn lead(&mut self) -> anyhow::Result<bool> {
        if let Some(conn) = self.leader.as_mut() {
            // Still ours as long as the session is alive.
            if sqlx::query("SELECT 1").execute(&mut **conn).await.is_ok() {
                return Ok(true);
            }
            self.leader = None;
        }
        let mut conn = self
            .pool
            .acquire()
            .await
            .context("acquire leader connection")?;
        let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock(hashtext($1))")
            .bind(self.lock_key())
            .fetch_one(&mut *conn)
            .await
            .context("try relay lock")?;
        if got {
            // The lock lives with this session: keep the connection out of the pool.
            self.leader = Some(conn);
        }
        Ok(got)
    }

    /// Publishes one batch of outbox rows and marks them published.
    pub async fn step(&mut self) -> anyhow::Result<RelayStep> {
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

    /// Publishes rows in order and waits for every JetStream ack (does not mark them).
    pub async fn publish(&self, rows: &[OutboxRow]) -> anyhow::Result<()> {
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
        for ack in acks {
            ack.await
                .context("JetStream did not acknowledge an event")?;
        }
        Ok(())
    }

    /// Runs until `shutdown` resolves: publishes whenever the outbox has rows, woken
    /// by `pg_notify` (with a periodic check in case a notification was missed).
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
        loop {
            let wait = match self.step().await {
                Ok(RelayStep::Published(_)) => continue,
                Ok(RelayStep::Idle) => Duration::from_secs(1),
                Ok(RelayStep::Standby) => Duration::from_secs(2),
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "relay step failed; retrying");
                    self.leader = None;
                    Duration::from_secs(1)
                }
            };
            tokio::select! {
                _ = &mut shutdown => return Ok(()),
                _ = listener.recv() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }
}
