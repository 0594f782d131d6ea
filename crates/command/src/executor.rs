//! Runs one aggregate's commands over the postgres-es event store.
//!
//! This is `CqrsFramework::execute_with_metadata` (load, handle, commit) with two
//! additions the engine needs: the committed events and the resulting state come back to
//! the caller (replies carry facts such as `expires_at` without a second read), and an
//! optimistic-concurrency conflict is retried a bounded number of times on fresh state.
//! See docs/adr/0001-command-executor.md.

use std::collections::HashMap;
use std::time::Duration;

use cqrs_es::event_sink::EventSink;
use cqrs_es::persist::PersistedEventStore;
use cqrs_es::{Aggregate, AggregateContext, AggregateError, EventEnvelope, EventStore};
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

/// Executes commands of aggregate `A` against Postgres.
pub struct Executor<A: Aggregate> {
    store: PersistedEventStore<PostgresEventRepository, A>,
    retries: u32,
}

impl<A> Executor<A>
where
    A: Aggregate<Services = ()> + Clone,
    A::Command: Clone,
    CommandError: From<A::Error>,
{
    /// An executor over `pool` that retries conflicts `retries` times.
    pub fn new(pool: PgPool, retries: u32) -> Self {
        let repo = PostgresEventRepository::new(pool);
        Self {
            store: PersistedEventStore::new_event_store(repo),
            retries,
        }
    }

    /// Like [`Executor::new`], but state is loaded from a snapshot taken every
    /// `snapshot_every` events plus the events after it: for long-lived aggregates
    /// (a dynamic secret gains two events per lease, forever).
    pub fn with_snapshots(pool: PgPool, retries: u32, snapshot_every: usize) -> Self {
        let repo = PostgresEventRepository::new(pool);
        Self {
            store: PersistedEventStore::new_snapshot_store(repo, snapshot_every),
            retries,
        }
    }

    /// Loads the current state of aggregate `id` (the default state if it has no events).
    pub async fn load(&self, id: &str) -> Result<A, CommandError> {
        let mut context = self.store.load_aggregate(id).await.map_err(infra)?;
        Ok(context.aggregate().clone())
    }

    /// Loads every event of aggregate `id`, oldest first.
    pub async fn history(&self, id: &str) -> Result<Vec<EventEnvelope<A>>, CommandError> {
        self.store.load_events(id).await.map_err(infra)
    }

    /// Runs `command` on aggregate `id` with `meta`, retrying on concurrent appends.
    pub async fn execute(
        &self,
        id: &str,
        command: A::Command,
        meta: &Meta,
    ) -> Result<Executed<A>, CommandError> {
        let metadata = meta.to_metadata();
        let mut attempt = 0;
        loop {
            match self
                .try_execute(id, command.clone(), metadata.clone())
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
                Err(AggregateError::UserError(e)) => return Err(CommandError::from(e)),
                Err(other) => return Err(infra(other)),
                Ok(done) => return Ok(done),
            }
        }
    }

    async fn try_execute(
        &self,
        id: &str,
        command: A::Command,
        metadata: HashMap<String, String>,
    ) -> Result<Executed<A>, AggregateError<A::Error>> {
        let mut context = self.store.load_aggregate(id).await?;
        // Decide on a copy: the context must reach `commit` unchanged, because a
        // snapshotting store applies the new events to the context's aggregate itself
        // (handling on the context would apply them twice to the snapshot).
        let mut state = context.aggregate().clone();
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
        Ok(Executed { events, state })
    }
}

/// Jittered backoff between conflict retries: a few milliseconds, growing.
fn backoff(attempt: u32) -> Duration {
    let base = 2u64.saturating_pow(attempt.min(6));
    let jitter = rand::random::<u64>() % (base + 1);
    Duration::from_millis(base + jitter)
}

fn infra<E: std::error::Error>(err: AggregateError<E>) -> CommandError {
    match err {
        AggregateError::DatabaseConnectionError(e) => CommandError::unavailable(e.to_string()),
        other => CommandError::internal(other.to_string()),
    }
}
