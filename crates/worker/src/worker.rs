//! The worker: due revocations from PostgreSQL, activations from a durable pull consumer,
//! one step, and the loops around them.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use anyhow::Context;
use async_nats::jetstream::{self, consumer, Message};
use futures::stream::FuturesUnordered;
use futures::StreamExt;
use leasehold_api::events::{AggregateType, LeaseEventType};
use leasehold_bus::{Durable, Subjects};
use leasehold_command::Commands;
use leasehold_graph::GraphClient;
use sqlx::PgPool;
use tokio::sync::{mpsc, watch};

use crate::dispatch::{Handled, Lane};
use crate::effects::Effects;
use crate::WorkerConfig;

/// Durable name of the consumer of `LeaseRequested`.
pub const ACTIVATIONS_CONSUMER: &str = "worker-activations";

/// What the worker is built from.
pub struct WorkerDeps {
    /// Runs the lease commands that record outcomes.
    pub commands: Arc<Commands>,
    /// Calls Graph.
    pub graph: GraphClient,
    /// JetStream, for the event stream and the consumers.
    pub js: jetstream::Context,
    /// Subject names (prefix).
    pub subjects: Subjects,
    /// Connections for per-user advisory locks: a pool of their own, since every one of
    /// them may be held across Graph calls (see `user_lock.rs`); its size bounds the
    /// password writes in flight.
    pub pool: PgPool,
}

/// What one step did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Handled this many messages (acked or nakked) and due revocations.
    Processed(usize),
    /// Nothing was waiting.
    Idle,
}

/// Consumes lease events and carries out their Graph effects.
pub struct Worker {
    effects: Effects,
    activations: Durable,
}

impl Worker {
    /// A worker; call [`Worker::setup`] (or just step: the first step sets up).
    pub fn new(deps: WorkerDeps, config: WorkerConfig) -> Self {
        let deadline = deps.graph.config().retry_deadline;
        if config.ack_wait < deadline * 2 {
            tracing::warn!(
                ack_wait_ms = config.ack_wait.as_millis() as u64,
                retry_deadline_ms = deadline.as_millis() as u64,
                "ack_wait is under twice the Graph retry deadline; relying on progress acks"
            );
        }
        let activations = Durable::new(
            deps.js,
            deps.subjects.clone(),
            activations_config(&deps.subjects, config.ack_wait),
        );
        Self {
            effects: Effects::new(deps.commands, deps.graph, deps.pool, config),
            activations,
        }
    }

    /// Ensures the event stream and the activation consumer exist.
    pub async fn setup(&self) -> anyhow::Result<()> {
        self.activations
            .attach()
            .await
            .map(drop)
            .context("activation consumer")
    }

    /// One step: claims up to `batch_size` due revocations, then fetches activations for
    /// the rest, and handles them concurrently (Graph slots go to revocations first).
    /// Returns an error after handling the batch if any unit failed, was abandoned by a
    /// fault hook or could not be acknowledged.
    pub async fn try_process_next(&mut self) -> anyhow::Result<Outcome> {
        let batch = self.effects.config.batch_size.max(1);
        let per_connection = self.effects.config.graph_concurrency.max(1);
        let claims = self.effects.due.claim(batch, per_connection, &[]).await?;
        let room = batch.saturating_sub(claims.len());
        let messages = if room > 0 {
            self.fetch(Lane::Activations, room).await?
        } else {
            Vec::new()
        };
        let (revoked, activated) = tokio::join!(
            futures::future::join_all(claims.into_iter().map(|c| self.effects.revoke_claimed(c))),
            self.handle_all(messages)
        );
        let mut problems: Vec<String> = revoked
            .iter()
            .filter_map(|r| r.as_ref().err().map(|e| format!("{e:#}")))
            .collect();
        let done = revoked.len() - problems.len();
        let activated = match activated {
            Ok(Outcome::Processed(n)) => n,
            Ok(Outcome::Idle) => 0,
            Err(e) => {
                problems.push(format!("{e:#}"));
                0
            }
        };
        if !problems.is_empty() {
            anyhow::bail!(
                "{} units of the step failed: {}",
                problems.len(),
                problems.join("; ")
            );
        }
        Ok(match done + activated {
            0 => Outcome::Idle,
            n => Outcome::Processed(n),
        })
    }

    /// Runs until `shutdown` resolves. Revocations and activations run in two independent
    /// loops, so a slow activation batch never delays a revocation. In-flight work finishes
    /// on shutdown; an unacknowledged activation is redelivered, an unfinished revocation's
    /// claim lapses and another worker takes it.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
        self.setup().await?;
        let (stop, stopped) = watch::channel(false);
        let signal = async move {
            shutdown.await;
            let _ = stop.send(true);
        };
        let lanes = async {
            tokio::join!(
                self.revocation_loop(stopped.clone()),
                self.activation_loop(stopped.clone())
            )
        };
        tokio::join!(signal, lanes);
        Ok(())
    }

    /// Keeps up to `revocations_in_flight` due revocations running, claiming more as slots
    /// free up, at most `graph_concurrency` per connection: a connection whose every call
    /// fails slowly holds its own slots only, never another tenant's.
    async fn revocation_loop(&self, mut stopped: watch::Receiver<bool>) {
        let config = &self.effects.config;
        let limit = config.revocations_in_flight.max(1);
        let per_connection = config.graph_concurrency.max(1);
        let mut running = FuturesUnordered::new();
        let mut per_conn: HashMap<String, usize> = HashMap::new();
        loop {
            if *stopped.borrow() {
                break;
            }
            let busy: Vec<String> = per_conn
                .iter()
                .filter(|(_, n)| **n >= per_connection)
                .map(|(c, _)| c.clone())
                .collect();
            let room = limit.saturating_sub(running.len());
            let claimed = match self.effects.due.claim(room, per_connection, &busy).await {
                Ok(claimed) => claimed,
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "claiming due revocations failed");
                    Vec::new()
                }
            };
            let got = claimed.len();
            for claim in claimed {
                let connection = claim.connection.clone();
                *per_conn.entry(connection.clone()).or_default() += 1;
                running.push(async move { (connection, self.effects.revoke_claimed(claim).await) });
            }
            if got > 0 && running.len() < limit {
                continue;
            }
            tokio::select! {
                Some((connection, result)) = running.next(), if !running.is_empty() => {
                    settle_slot(&mut per_conn, &connection, result);
                }
                _ = stopped.changed() => break,
                _ = tokio::time::sleep(config.revocation_poll) => {}
            }
        }
        while let Some((connection, result)) = running.next().await {
            settle_slot(&mut per_conn, &connection, result);
        }
    }

    /// Keeps up to `activations_in_flight` activations running: long-polling pulls ask
    /// only for free places, each message starts as soon as it arrives, and a new pull
    /// goes out once a quarter of the places (or all, with no pull open) are free — no
    /// batch waits for its slowest member. On shutdown open pulls are dropped (what they
    /// would have delivered is redelivered after the ack wait) and running ones finish.
    async fn activation_loop(&self, mut stopped: watch::Receiver<bool>) {
        let config = &self.effects.config;
        let limit = config.activations_in_flight.max(1);
        let refill = (limit / 4).max(1);
        let (arrived, mut inbox) = mpsc::unbounded_channel::<Message>();
        // Messages asked for by open pulls and not yet arrived.
        let awaited = Arc::new(AtomicUsize::new(0));
        let mut pulls = FuturesUnordered::new();
        let mut running = FuturesUnordered::new();
        // After a failed pull, no new one before this.
        let mut pause: Option<tokio::time::Instant> = None;
        loop {
            if *stopped.borrow() {
                break;
            }
            let busy = running.len() + inbox.len() + awaited.load(Ordering::Acquire);
            let room = limit.saturating_sub(busy);
            if pause.is_none() && room > 0 && (room >= refill || pulls.is_empty()) {
                awaited.fetch_add(room, Ordering::AcqRel);
                let (arrived, awaited) = (arrived.clone(), awaited.clone());
                pulls.push(async move {
                    let mut got = 0;
                    let pulled = self
                        .activations
                        .pull(room, config.pull_expires, |message| {
                            // The receiver lives as long as this loop, which owns the pull.
                            let _ = arrived.send(message);
                            awaited.fetch_sub(1, Ordering::AcqRel);
                            got += 1;
                        })
                        .await;
                    awaited.fetch_sub(room.saturating_sub(got), Ordering::AcqRel);
                    pulled
                });
                continue;
            }
            tokio::select! {
                _ = stopped.changed() => break,
                Some(message) = inbox.recv() => {
                    running.push(self.effects.handle(Lane::Activations, message));
                }
                Some(result) = running.next(), if !running.is_empty() => settle_message(result),
                Some(pulled) = pulls.next(), if !pulls.is_empty() => {
                    if let Err(e) = pulled {
                        tracing::warn!(error = %format!("{e:#}"), "pulling activations failed");
                        let wait = config.idle_poll.max(std::time::Duration::from_secs(1));
                        pause = Some(tokio::time::Instant::now() + wait);
                    }
                }
                _ = tokio::time::sleep_until(pause.unwrap_or_else(tokio::time::Instant::now)),
                    if pause.is_some() => pause = None,
            }
        }
        drop(pulls);
        while let Ok(message) = inbox.try_recv() {
            running.push(self.effects.handle(Lane::Activations, message));
        }
        while let Some(result) = running.next().await {
            settle_message(result);
        }
    }

    async fn fetch(&self, lane: Lane, max: usize) -> anyhow::Result<Vec<(Lane, Message)>> {
        let durable = match lane {
            Lane::Activations => &self.activations,
        };
        let messages = durable
            .fetch(max, None)
            .await
            .with_context(|| format!("fetch from {lane:?}"))?;
        Ok(messages.into_iter().map(|m| (lane, m)).collect())
    }

    async fn handle_all(&self, messages: Vec<(Lane, Message)>) -> anyhow::Result<Outcome> {
        if messages.is_empty() {
            return Ok(Outcome::Idle);
        }
        let results = futures::future::join_all(
            messages
                .into_iter()
                .map(|(lane, msg)| self.effects.handle(lane, msg)),
        )
        .await;
        let mut settled = 0;
        let mut problems = Vec::new();
        for result in results {
            match result {
                Ok(Handled::Settled) => settled += 1,
                Ok(Handled::Abandoned) => {
                    problems.push("a message was abandoned (fault hook)".to_string())
                }
                Err(e) => problems.push(format!("{e:#}")),
            }
        }
        if problems.is_empty() {
            Ok(Outcome::Processed(settled))
        } else {
            anyhow::bail!(
                "{} of the batch failed: {}",
                problems.len(),
                problems.join("; ")
            )
        }
    }
}

/// The activation consumer: every `LeaseRequested`, acked explicitly, redelivered after
/// `ack_wait` and never given up.
fn activations_config(
    subjects: &Subjects,
    ack_wait: std::time::Duration,
) -> consumer::pull::Config {
    consumer::pull::Config {
        durable_name: Some(ACTIVATIONS_CONSUMER.to_string()),
        description: Some("leasehold worker: Graph effects of lease events".to_string()),
        filter_subject: subjects.events_of_type(
            AggregateType::Lease.as_str(),
            LeaseEventType::LeaseRequested.as_str(),
        ),
        ack_policy: consumer::AckPolicy::Explicit,
        ack_wait,
        max_deliver: -1,
        deliver_policy: consumer::DeliverPolicy::All,
        ..Default::default()
    }
}

/// Logs how handling one activation message ended, if not settled.
fn settle_message(result: anyhow::Result<Handled>) {
    match result {
        Ok(Handled::Settled) => {}
        Ok(Handled::Abandoned) => tracing::warn!("an activation was abandoned (fault hook)"),
        Err(e) => tracing::warn!(error = %format!("{e:#}"), "handling an activation failed"),
    }
}

/// Frees a finished revocation's slot and logs its error, if any.
fn settle_slot(
    per_conn: &mut HashMap<String, usize>,
    connection: &str,
    result: anyhow::Result<()>,
) {
    if let Some(n) = per_conn.get_mut(connection) {
        *n = n.saturating_sub(1);
        if *n == 0 {
            per_conn.remove(connection);
        }
    }
    if let Err(e) = result {
        tracing::warn!(error = %format!("{e:#}"), "revocation attempt failed; retried later");
    }
}
