//! Runs one aggregate's commands over the postgres-es event store.
//!
//! This is `CqrsFramework::execute_with_metadata` (load, handle, commit) with two
//! additions the engine needs: the committed events and the resulting state come back to
//! the caller (replies carry facts such as `expires_at` without a second read), and an
//! optimistic-concurrency conflict is retried a bounded number of times on fresh state.
//! See docs/adr/0001-command-executor.md.
//!
//! Snapshots are read and written here, not by the postgres-es store: a snapshot is used
//! only when its MAC (keyed by a key derived from the master key) and the chain hash it
//! was taken at check out (`leasehold_store::snapshots`), so write access to the
//! `snapshots` table cannot decide an aggregate's state.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use cqrs_es::event_sink::EventSink;
use cqrs_es::persist::{EventStoreAggregateContext, PersistedEventStore};
use cqrs_es::{Aggregate, AggregateError, EventEnvelope, EventStore};
use leasehold_domain::StreamId;
use leasehold_store::{snapshots, SnapshotKey};
use postgres_es::PostgresEventRepository;
use sqlx::PgPool;

use crate::{CommandError, Meta};

/// How many times a command is re-run on fresh state after losing a concurrent append.
pub const DEFAULT_CONFLICT_RETRIES: u32 = 5;

/// The outcome of a successful command: what was committed and the state after it.
#[derive(Debug)]
pub struct Executed<A: Aggregate> {
    /// The events appended (empty when the command was an idempotent no-op).
    pub events: Vec<EventEnvelope<A>>,
    /// The aggregate's state after the events.
    pub state: A,
}

/// An aggregate's state and the sequence of its last event, as loaded: a command executed
/// from it ([`Executor::execute_from`]) needs no second load unless another append came
/// in between.
#[derive(Debug, Clone)]
pub struct Versioned<A> {
    /// The state.
    pub state: A,
    sequence: usize,
}

/// Executes commands of aggregate `A` against Postgres.
pub struct Executor<A: Aggregate> {
    store: PersistedEventStore<PostgresEventRepository, A>,
    pool: PgPool,
    snapshots: Option<Snapshots>,
    retries: u32,
    loads: AtomicU64,
}

/// When and with which key an aggregate's snapshots are taken.
struct Snapshots {
    every: usize,
    key: SnapshotKey,
}

impl<A> Executor<A>
where
    A: Aggregate<Services = ()> + StreamId + Clone,
    A::Command: Clone,
    CommandError: From<A::Error>,
{
    /// An executor over `pool` that retries conflicts `retries` times.
    pub fn new(pool: PgPool, retries: u32) -> Self {
        let repo = PostgresEventRepository::new(pool.clone());
        Self {
            store: PersistedEventStore::new_event_store(repo),
            pool,
            snapshots: None,
            retries,
            loads: AtomicU64::new(0),
        }
    }

    /// Like [`Executor::new`], but state is loaded from a snapshot taken every
    /// `snapshot_every` events plus the events after it: for long-lived aggregates
    /// (a dynamic secret gains two events per lease, forever). Snapshots are
    /// authenticated with `key`; one that fails its check is ignored (and recorded).
    pub fn with_snapshots(
        pool: PgPool,
        retries: u32,
        snapshot_every: usize,
        key: SnapshotKey,
    ) -> Self {
        let mut executor = Self::new(pool, retries);
        executor.snapshots = Some(Snapshots {
            every: snapshot_every.max(1),
            key,
        });
        executor
    }

    /// Loads the current state of aggregate `id` (the default state if it has no events).
    pub async fn load(&self, id: &A::Id) -> Result<A, CommandError> {
        let context = self.load_context(&id.to_string()).await.map_err(infra)?;
        Ok(context.aggregate)
    }

    /// Loads the current state of aggregate `id` with its sequence, to execute a command
    /// from it later without loading again.
    pub async fn load_versioned(&self, id: &A::Id) -> Result<Versioned<A>, CommandError> {
        let context = self.load_context(&id.to_string()).await.map_err(infra)?;
        Ok(Versioned {
            state: context.aggregate,
            sequence: context.current_sequence,
        })
    }

    /// How many times this executor has loaded an aggregate (for metrics and tests).
    pub fn loads(&self) -> u64 {
        self.loads.load(Ordering::Relaxed)
    }

    /// The aggregate's state and sequence: from a trusted snapshot plus the events after
    /// it, or from all its events.
    async fn load_context(
        &self,
        id: &str,
    ) -> Result<EventStoreAggregateContext<A>, AggregateError<A::Error>> {
        self.loads.fetch_add(1, Ordering::Relaxed);
        let Some(snapshot) = &self.snapshots else {
            return self.store.load_aggregate(id).await;
        };
        let trusted = snapshots::load(&self.pool, &snapshot.key, A::TYPE, id)
            .await
            .map_err(database)?;
        let (mut aggregate, mut sequence) = trusted
            .and_then(|t| Some((serde_json::from_value::<A>(t.payload).ok()?, t.sequence)))
            .unwrap_or_default();
        for (at, payload) in snapshots::events_after(&self.pool, A::TYPE, id, sequence)
            .await
            .map_err(database)?
        {
            let event: A::Event = serde_json::from_value(payload)
                .map_err(|e| AggregateError::DeserializationError(Box::new(e)))?;
            aggregate.apply(event);
            sequence = at;
        }
        Ok(EventStoreAggregateContext {
            aggregate_id: id.to_string(),
            aggregate,
            current_sequence: usize::try_from(sequence).unwrap_or_default(),
            current_snapshot: None,
        })
    }

    /// Takes a snapshot of `state` (after event `sequence`) when the events just committed
    /// crossed a multiple of the snapshot interval. A failure costs only speed: logged.
    async fn snapshot_if_due(&self, id: &str, before: usize, sequence: usize, state: &A) {
        let Some(snapshot) = &self.snapshots else {
            return;
        };
        if before / snapshot.every == sequence / snapshot.every {
            return;
        }
        let Ok(payload) = serde_json::to_string(state) else {
            tracing::warn!(aggregate = A::TYPE, id, "snapshot state does not serialize");
            return;
        };
        let at = i64::try_from(sequence).unwrap_or(i64::MAX);
        if let Err(e) = snapshots::save(&self.pool, &snapshot.key, A::TYPE, id, at, &payload).await
        {
            tracing::warn!(aggregate = A::TYPE, id, error = %e, "snapshot not stored");
        }
    }

    /// Loads every event of aggregate `id`, oldest first.
    pub async fn history(&self, id: &A::Id) -> Result<Vec<EventEnvelope<A>>, CommandError> {
        self.store.load_events(&id.to_string()).await.map_err(infra)
    }

    /// Runs `command` on aggregate `id` with `meta`, retrying on concurrent appends.
    pub async fn execute(
        &self,
        id: &A::Id,
        command: A::Command,
        meta: &Meta,
    ) -> Result<Executed<A>, CommandError> {
        self.run(id, None, command, meta).await
    }

    /// Like [`Executor::execute`], deciding first on `known` (loaded just before); only a
    /// concurrent append since then costs a fresh load.
    pub async fn execute_from(
        &self,
        id: &A::Id,
        known: Versioned<A>,
        command: A::Command,
        meta: &Meta,
    ) -> Result<Executed<A>, CommandError> {
        self.run(id, Some(known), command, meta).await
    }

    async fn run(
        &self,
        id: &A::Id,
        mut known: Option<Versioned<A>>,
        command: A::Command,
        meta: &Meta,
    ) -> Result<Executed<A>, CommandError> {
        let id = &id.to_string();
        let metadata = meta.to_metadata();
        let mut attempt = 0;
        loop {
            let context = match known.take() {
                Some(known) => EventStoreAggregateContext {
                    aggregate_id: id.clone(),
                    aggregate: known.state,
                    current_sequence: known.sequence,
                    current_snapshot: None,
                },
                None => self.load_context(id).await.map_err(infra)?,
            };
            match self
                .try_execute(id, context, command.clone(), metadata.clone())
                .await
            {
                Err(AggregateError::AggregateConflict) if attempt < self.retries => {
                    attempt += 1;
                    tracing::debug!(
                        aggregate = A::TYPE,
                        id,
                        attempt,
                        "append conflict, retrying"
                    );
                    tokio::time::sleep(backoff(attempt)).await;
                }
                Err(AggregateError::AggregateConflict) => {
                    return Err(CommandError::conflict(A::TYPE, id));
                }
                Err(AggregateError::UserError(e)) => {
                    return Err(CommandError::from(e).naming(A::KIND, id))
                }
                Err(other) => return Err(infra(other)),
                Ok(done) => return Ok(done),
            }
        }
    }

    async fn try_execute(
        &self,
        id: &str,
        context: EventStoreAggregateContext<A>,
        command: A::Command,
        metadata: HashMap<String, String>,
    ) -> Result<Executed<A>, AggregateError<A::Error>> {
        let before = context.current_sequence;
        // Decide on a copy: the context must reach `commit` unchanged (it names the
        // sequence the new events follow).
        let mut state = context.aggregate.clone();
        let sink: EventSink<A> = EventSink::default();
        state
            .handle(command, &(), &sink)
            .await
            .map_err(AggregateError::UserError)?;
        let events = sink.collect().await;
        if events.is_empty() {
            return Ok(Executed {
                events: Vec::new(),
                state,
            });
        }
        let events = self.store.commit(events, context, metadata).await?;
        if let Some(last) = events.last() {
            self.snapshot_if_due(id, before, last.sequence, &state)
                .await;
        }
        Ok(Executed { events, state })
    }
}

/// Jittered backoff between conflict retries: a few milliseconds, growing.
fn backoff(attempt: u32) -> Duration {
    let base = 2u64.saturating_pow(attempt.min(6));
    let jitter = rand::random::<u64>() % (base + 1);
    Duration::from_millis(base + jitter)
}

fn database<E: std::error::Error>(e: sqlx::Error) -> AggregateError<E> {
    AggregateError::DatabaseConnectionError(Box::new(e))
}

fn infra<E: std::error::Error>(err: AggregateError<E>) -> CommandError {
    match err {
        AggregateError::DatabaseConnectionError(e) => CommandError::unavailable(e.to_string()),
        other => CommandError::internal(other.to_string()),
    }
}
