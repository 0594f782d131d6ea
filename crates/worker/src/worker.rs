//! The worker: two durable pull consumers, one step, and the loop around it.

use std::future::Future;
use std::sync::Arc;

use anyhow::Context;
use async_nats::jetstream::{self, consumer, Message};
use futures::StreamExt;
use leasehold_bus::{ensure_stream, StreamSettings, Subjects};
use leasehold_command::Commands;
use leasehold_graph::GraphClient;
use sqlx::PgPool;
use tokio::sync::{watch, OnceCell};

use crate::dispatch::{Handled, Lane};
use crate::effects::Effects;
use crate::WorkerConfig;

/// Durable name of the consumer of `LeaseRequested`.
pub const ACTIVATIONS_CONSUMER: &str = "worker-activations";
/// Durable name of the consumer of every lease event (revocation work).
pub const REVOCATIONS_CONSUMER: &str = "worker-revocations";

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
    /// Connections for per-user advisory locks (best a pool of its own; see `UserLocks`).
    pub pool: PgPool,
}

/// What one step did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Handled this many messages (acked or nakked).
    Processed(usize),
    /// No message was waiting.
    Idle,
}

struct Consumers {
    activations: consumer::PullConsumer,
    revocations: consumer::PullConsumer,
}

/// Consumes lease events and carries out their Graph effects.
pub struct Worker {
    effects: Effects,
    js: jetstream::Context,
    subjects: Subjects,
    consumers: OnceCell<Consumers>,
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
        Self {
            effects: Effects::new(deps.commands, deps.graph, deps.pool, config),
            js: deps.js,
            subjects: deps.subjects,
            consumers: OnceCell::new(),
        }
    }

    /// Ensures the event stream and both durable consumers exist.
    pub async fn setup(&self) -> anyhow::Result<()> {
        self.consumers().await.map(drop)
    }

    async fn consumers(&self) -> anyhow::Result<&Consumers> {
        self.consumers
            .get_or_try_init(|| async {
                let stream = ensure_stream(&self.js, &self.subjects, &StreamSettings::default())
                    .await
                    .context("event stream")?;
                let prefix = self.subjects.prefix();
                let activations = self
                    .consumer(
                        &stream,
                        ACTIVATIONS_CONSUMER,
                        self.subjects.events_of_type("Lease", "LeaseRequested"),
                    )
                    .await?;
                let revocations = self
                    .consumer(
                        &stream,
                        REVOCATIONS_CONSUMER,
                        format!("{prefix}.evt.Lease.*.>"),
                    )
                    .await?;
                Ok(Consumers {
                    activations,
                    revocations,
                })
            })
            .await
    }

    async fn consumer(
        &self,
        stream: &jetstream::stream::Stream,
        name: &str,
        filter_subject: String,
    ) -> anyhow::Result<consumer::PullConsumer> {
        let config = consumer::pull::Config {
            durable_name: Some(name.to_string()),
            description: Some("leasehold worker: Graph effects of lease events".to_string()),
            filter_subject,
            ack_policy: consumer::AckPolicy::Explicit,
            ack_wait: self.effects.config.ack_wait,
            // Never stop redelivering: revocation must not give up silently.
            max_deliver: -1,
            deliver_policy: consumer::DeliverPolicy::All,
            ..Default::default()
        };
        stream
            .get_or_create_consumer(name, config)
            .await
            .map_err(|e| anyhow::anyhow!("consumer {name}: {e}"))
    }

    /// One step: fetches up to `batch_size` waiting messages, revocations first, then
    /// activations for the rest, and handles them concurrently (Graph slots go to
    /// revocations first). Returns an error after handling the batch if any message was
    /// abandoned by a fault hook or could not be acknowledged.
    pub async fn try_process_next(&mut self) -> anyhow::Result<Outcome> {
        let batch = self.effects.config.batch_size.max(1);
        let mut messages = self.fetch(Lane::Revocations, batch).await?;
        let room = batch.saturating_sub(messages.len());
        if room > 0 {
            messages.extend(self.fetch(Lane::Activations, room).await?);
        }
        self.handle_all(messages).await
    }

    /// Runs until `shutdown` resolves. Revocations and activations are consumed by two
    /// independent loops, so a slow activation batch never delays a revocation. In-flight
    /// work finishes on shutdown; anything unacknowledged is redelivered later.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
        self.setup().await?;
        let (stop, stopped) = watch::channel(false);
        let signal = async move {
            shutdown.await;
            let _ = stop.send(true);
        };
        let lanes = async {
            tokio::join!(
                self.lane_loop(Lane::Revocations, stopped.clone()),
                self.lane_loop(Lane::Activations, stopped.clone())
            )
        };
        tokio::join!(signal, lanes);
        Ok(())
    }

    async fn lane_loop(&self, lane: Lane, mut stopped: watch::Receiver<bool>) {
        let config = &self.effects.config;
        loop {
            if *stopped.borrow() {
                return;
            }
            // A fetch from a consumer whose stream was deleted never ends: only the
            // fetch is raced with shutdown (messages fetched are always handled).
            let fetched = tokio::select! {
                _ = stopped.changed() => return,
                fetched = self.fetch(lane, config.batch_size.max(1)) => fetched,
            };
            let step = match fetched {
                Ok(messages) => self.handle_all(messages).await,
                Err(e) => Err(e),
            };
            let wait = match step {
                Ok(Outcome::Processed(_)) => continue,
                Ok(Outcome::Idle) => config.idle_poll,
                Err(e) => {
                    tracing::warn!(?lane, error = %format!("{e:#}"), "worker step failed");
                    config.idle_poll.max(std::time::Duration::from_secs(1))
                }
            };
            tokio::select! {
                _ = stopped.changed() => return,
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    async fn fetch(&self, lane: Lane, max: usize) -> anyhow::Result<Vec<(Lane, Message)>> {
        let consumers = self.consumers().await?;
        let consumer = match lane {
            Lane::Revocations => &consumers.revocations,
            Lane::Activations => &consumers.activations,
        };
        let mut batch = consumer
            .fetch()
            .max_messages(max)
            .messages()
            .await
            .map_err(|e| anyhow::anyhow!("fetch from {lane:?}: {e}"))?;
        let mut messages = Vec::new();
        while let Some(message) = batch.next().await {
            let message = message.map_err(|e| anyhow::anyhow!("fetch from {lane:?}: {e}"))?;
            messages.push((lane, message));
        }
        Ok(messages)
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
