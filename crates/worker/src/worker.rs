//! The worker: due revocations from PostgreSQL, activations from a durable pull consumer,
//! one step, and the loops around them.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use async_nats::jetstream::{self, consumer, Message};
use futures::stream::FuturesUnordered;
use futures::StreamExt;
use leasehold_api::events::{AggregateType, LeaseEventType};
use leasehold_bus::{Durable, Subjects};
use leasehold_command::Commands;
use leasehold_graph::GraphClient;
use sqlx::postgres::PgListener;
use sqlx::PgPool;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use crate::dispatch::{Handled, Lane};
use crate::effects::Effects;
use crate::WorkerConfig;

/// How often the revocation loop counts each connection's unconfirmed revocations while
/// there are any.
const BACKLOG_EVERY: Duration = Duration::from_millis(250);

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
    /// Sessions for per-user advisory locks: a pool of their own, since locks are held
    /// across Graph calls; each connection becomes one session holding any number of
    /// users' locks (see `user_lock.rs`).
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
    effects: Arc<Effects>,
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
            effects: Arc::new(Effects::new(deps.commands, deps.graph, deps.pool, config)),
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

    /// Keeps up to `revocations_in_flight` due revocations running, at most
    /// `graph_concurrency` per connection: a connection whose every call fails slowly
    /// holds its own slots only, never another tenant's. Each attempt is a task of its
    /// own, so claiming (a query whose cost grows with the backlog) never stalls the
    /// attempts in flight. With nothing to claim the loop sleeps until the earliest
    /// revocation may be claimed, a notification says one became due now (on a
    /// connection with a free slot), or an attempt ends; `revocation_poll` only bounds
    /// that sleep in case a notification was lost.
    async fn revocation_loop(&self, mut stopped: watch::Receiver<bool>) {
        let config = &self.effects.config;
        let limit = config.revocations_in_flight.max(1);
        let per_connection = config.graph_concurrency.max(1);
        let mut running = JoinSet::new();
        let mut slots = Slots::default();
        let mut listener = match self.effects.due.listen().await {
            Ok(listener) => Some(listener),
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "no revocation notifications; polling");
                None
            }
        };
        let mut look = true;
        let mut wake = tokio::time::Instant::now();
        // When the gates last learnt how many revocations each connection has unconfirmed,
        // and whether any had some.
        let mut counted: Option<tokio::time::Instant> = None;
        let mut any_backlog = false;
        loop {
            if *stopped.borrow() {
                break;
            }
            if counted.is_none_or(|at| at.elapsed() >= BACKLOG_EVERY) {
                counted = Some(tokio::time::Instant::now());
                match self.effects.due.backlog().await {
                    Ok(backlog) => {
                        any_backlog = !backlog.is_empty();
                        self.effects.gates.set_backlogs(&backlog);
                    }
                    Err(e) => {
                        tracing::warn!(error = %format!("{e:#}"), "counting revocations failed")
                    }
                }
            }
            if look && running.len() < limit {
                let room = limit - running.len();
                let held = slots.held();
                match self.effects.due.claim(room, per_connection, &held).await {
                    Ok(claimed) => {
                        let got = claimed.len();
                        for claim in claimed {
                            let effects = self.effects.clone();
                            let connection = claim.connection.clone();
                            let id = running
                                .spawn(async move { effects.revoke_claimed(claim).await })
                                .id();
                            slots.take(id, connection);
                        }
                        wake = if got == room {
                            // Full: the next look comes when an attempt ends.
                            tokio::time::Instant::now() + config.revocation_poll
                        } else {
                            self.next_look(&slots.busy(per_connection)).await
                        };
                    }
                    Err(e) => {
                        tracing::warn!(error = %format!("{e:#}"), "claiming due revocations failed");
                        wake = tokio::time::Instant::now() + config.revocation_poll;
                    }
                }
            }
            // While revocations are unconfirmed, the count is kept fresh (it holds back a
            // throttled connection's activations).
            let recount = counted.map(|at| at + BACKLOG_EVERY).filter(|_| any_backlog);
            tokio::select! {
                _ = stopped.changed() => break,
                _ = tokio::time::sleep_until(recount.unwrap_or(wake)), if recount.is_some() => {}
                Some(done) = running.join_next_with_id(), if !running.is_empty() => {
                    slots.settle(done);
                    while let Some(done) = running.try_join_next_with_id() {
                        slots.settle(done);
                    }
                    look = true;
                }
                note = notified(&mut listener) => {
                    // Anything for a connection with a free slot is worth a look.
                    let busy = slots.busy(per_connection);
                    look = note.is_none_or(|c| !busy.contains(&c));
                    while let Some(n) = listener.as_mut().and_then(|l| l.next_buffered()) {
                        look |= !busy.iter().any(|b| b == n.payload());
                    }
                }
                _ = tokio::time::sleep_until(wake), if running.len() < limit => look = true,
            }
        }
        while let Some(done) = running.join_next_with_id().await {
            slots.settle(done);
        }
    }

    /// When to look for due revocations again: when the earliest one on a connection not
    /// in `busy` may be claimed, at the latest after `revocation_poll`.
    async fn next_look(&self, busy: &[String]) -> tokio::time::Instant {
        let poll = self.effects.config.revocation_poll;
        let wait = match self.effects.due.next_due(busy).await {
            // A row due but not claimed (lost to another worker's claim): soon, not at once.
            Ok(Some(wait)) => wait.clamp(Duration::from_millis(20), poll),
            Ok(None) => poll,
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "reading the next due revocation failed");
                poll
            }
        };
        tokio::time::Instant::now() + wait
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
        // Each activation is a task of its own: they run on every core, and none waits
        // for the loop to poll it.
        let mut running = JoinSet::new();
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
                    let effects = self.effects.clone();
                    running.spawn(async move { effects.handle(Lane::Activations, message).await });
                }
                Some(result) = running.join_next(), if !running.is_empty() => settle_message(result),
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
            let effects = self.effects.clone();
            running.spawn(async move { effects.handle(Lane::Activations, message).await });
        }
        while let Some(result) = running.join_next().await {
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
fn settle_message(result: Result<anyhow::Result<Handled>, tokio::task::JoinError>) {
    let result = result.unwrap_or_else(|e| Err(anyhow::anyhow!("activation task ended: {e}")));
    match result {
        Ok(Handled::Settled) => {}
        Ok(Handled::Abandoned) => tracing::warn!("an activation was abandoned (fault hook)"),
        Err(e) => tracing::warn!(error = %format!("{e:#}"), "handling an activation failed"),
    }
}

/// The revocation attempts this worker runs, per connection.
#[derive(Default)]
struct Slots {
    tasks: HashMap<tokio::task::Id, String>,
    per_conn: HashMap<String, usize>,
}

impl Slots {
    fn take(&mut self, id: tokio::task::Id, connection: String) {
        *self.per_conn.entry(connection.clone()).or_default() += 1;
        self.tasks.insert(id, connection);
    }

    /// Each connection with attempts running and how many.
    fn held(&self) -> Vec<(String, usize)> {
        self.per_conn.iter().map(|(c, n)| (c.clone(), *n)).collect()
    }

    /// The connections with no free slot.
    fn busy(&self, per_connection: usize) -> Vec<String> {
        self.per_conn
            .iter()
            .filter(|(_, n)| **n >= per_connection)
            .map(|(c, _)| c.clone())
            .collect()
    }

    /// Frees a finished attempt's slot and logs its error (or panic), if any.
    fn settle(
        &mut self,
        done: Result<(tokio::task::Id, anyhow::Result<()>), tokio::task::JoinError>,
    ) {
        let (id, result) = match done {
            Ok((id, result)) => (id, result),
            Err(e) => (e.id(), Err(anyhow::anyhow!("revocation task ended: {e}"))),
        };
        if let Some(connection) = self.tasks.remove(&id) {
            if let Some(n) = self.per_conn.get_mut(&connection) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    self.per_conn.remove(&connection);
                }
            }
        }
        if let Err(e) = result {
            tracing::warn!(error = %format!("{e:#}"), "revocation attempt failed; retried later");
        }
    }
}

/// The connection named by the next revocation notification; never resolves without a
/// listener. A lost session is reconnected by the listener (`None` meanwhile: look).
async fn notified(listener: &mut Option<PgListener>) -> Option<String> {
    let Some(listener) = listener.as_mut() else {
        return std::future::pending().await;
    };
    match listener.try_recv().await {
        Ok(Some(note)) => Some(note.payload().to_string()),
        Ok(None) => None,
        Err(e) => {
            tracing::warn!(error = %e, "revocation notifications interrupted");
            // Do not spin on a failing listener: the poll takes over until it recovers.
            tokio::time::sleep(Duration::from_secs(1)).await;
            None
        }
    }
}
