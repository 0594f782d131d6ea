//! Applying events to the read models, idempotently by sequence.
//!
//! Each row keeps `last_sequence`. An event at or below it is a redelivery and is
//! skipped; the next sequence is folded in; anything further ahead means events were
//! missed or reordered, so the row is re-folded from the `events` table and is then
//! exactly what the log says.

use std::collections::{HashMap, HashSet};

use leasehold_bus::EventMessage;
use sqlx::PgConnection;

use crate::decode::{typed, DecodeError, Decoded, Keyed};
use crate::fold::ReadModel;
use crate::observe::Observation;
use crate::rows::{ConnectionRow, LeaseRow, SecretRow};
use crate::sql;

/// What applying a batch did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ApplyStats {
    /// Events folded into a row.
    pub applied: usize,
    /// Events skipped because the row already reflected them (redeliveries).
    pub duplicates: usize,
    /// Rows re-folded from the event log after a sequence gap.
    pub refolded: usize,
}

impl ApplyStats {
    fn add(&mut self, other: ApplyStats) {
        self.applied += other.applied;
        self.duplicates += other.duplicates;
        self.refolded += other.refolded;
    }
}

/// Why events could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// An event is malformed; nothing was written.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// Postgres failed; the caller's transaction should be rolled back.
    #[error("read-model database: {0}")]
    Database(#[from] sqlx::Error),
}

/// Applies one event inside the caller's transaction.
pub async fn apply(
    conn: &mut PgConnection,
    message: &EventMessage,
) -> Result<ApplyStats, ApplyError> {
    apply_batch(conn, std::slice::from_ref(message)).await
}

/// Applies events in order inside the caller's transaction, with one read and one write
/// per table. A malformed event fails the whole call before anything is written.
pub async fn apply_batch(
    conn: &mut PgConnection,
    messages: &[EventMessage],
) -> Result<ApplyStats, ApplyError> {
    let mut batch = Decoded::default();
    for m in messages {
        batch.push(
            &m.aggregate_type,
            &m.aggregate_id,
            m.sequence,
            &m.event_type,
            &m.payload,
        )?;
    }
    Ok(apply_decoded(conn, batch).await?)
}

/// Applies already decoded events (the projector and rebuild decode first, so that one
/// malformed event does not hold up the others).
pub(crate) async fn apply_decoded(
    conn: &mut PgConnection,
    batch: Decoded,
) -> Result<ApplyStats, sqlx::Error> {
    Ok(apply_observed(conn, batch).await?.0)
}

/// [`apply_decoded`], also returning the lifecycle steps of the newly applied events.
pub(crate) async fn apply_observed(
    conn: &mut PgConnection,
    batch: Decoded,
) -> Result<(ApplyStats, Vec<Observation>), sqlx::Error> {
    let mut stats = ApplyStats::default();
    let mut seen = Vec::new();
    stats.add(
        apply_model::<ConnectionRow>(conn, batch.connections, &mut seen)
            .await?
            .0,
    );
    stats.add(
        apply_model::<SecretRow>(conn, batch.secrets, &mut seen)
            .await?
            .0,
    );
    let (lease_stats, leases) = apply_model::<LeaseRow>(conn, batch.leases, &mut seen).await?;
    stats.add(lease_stats);
    sql::refresh_activity(conn, &leases).await?;
    Ok((stats, seen))
}

/// Folds one table's events into its rows and writes the changed rows back; returns the
/// ids of the changed rows.
async fn apply_model<M: ReadModel>(
    conn: &mut PgConnection,
    events: Vec<Keyed<M::Event>>,
    seen: &mut Vec<Observation>,
) -> Result<(ApplyStats, Vec<String>), sqlx::Error> {
    let mut stats = ApplyStats::default();
    if events.is_empty() {
        return Ok((stats, Vec::new()));
    }
    let ids: Vec<String> = events
        .iter()
        .map(|e| e.id.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut stored: HashMap<String, M> = sql::load_rows(conn, &ids).await?;
    let mut rows: HashMap<String, Option<M>> = ids
        .iter()
        .map(|id| (id.clone(), stored.remove(id)))
        .collect();
    let mut changed: HashSet<String> = HashSet::new();
    for Keyed {
        id,
        sequence,
        event,
    } in events
    {
        let Some(state) = rows.get_mut(&id) else {
            continue; // every id of the batch was put in `rows` above
        };
        let last = state.as_ref().map_or(0, M::last_sequence);
        if sequence <= last {
            stats.duplicates += 1;
            continue;
        }
        if sequence > last + 1 {
            *state = refold::<M>(conn, &id).await?;
            stats.refolded += 1;
            changed.insert(id.clone());
            let now = state.as_ref().map_or(0, M::last_sequence);
            if sequence <= now {
                continue;
            }
            tracing::warn!(
                aggregate = M::AGGREGATE,
                id = %id,
                sequence,
                stored = now,
                "event is ahead of the event store; applying it on top"
            );
        }
        seen.extend(M::observe(state.as_ref(), &event));
        match M::fold(state.take(), event) {
            Some(mut row) => {
                row.set_last_sequence(sequence);
                *state = Some(row);
                changed.insert(id);
                stats.applied += 1;
            }
            None => tracing::warn!(
                aggregate = M::AGGREGATE,
                id = %id,
                sequence,
                "event on an aggregate that was never created; skipped"
            ),
        }
    }
    let changed: Vec<String> = changed.into_iter().collect();
    let dirty: Vec<&M> = changed
        .iter()
        .filter_map(|id| rows.get(id).and_then(Option::as_ref))
        .collect();
    sql::upsert(conn, &dirty).await?;
    Ok((stats, changed))
}

/// The row as the fold of every stored event of aggregate `id`.
async fn refold<M: ReadModel>(conn: &mut PgConnection, id: &str) -> Result<Option<M>, sqlx::Error> {
    let mut state: Option<M> = None;
    for (sequence, event_type, payload) in sql::stored_events::<M>(conn, id).await? {
        match typed::<M::Event>(M::AGGREGATE, &event_type, &payload) {
            Ok(event) => state = M::fold(state, event),
            Err(e) => tracing::warn!(aggregate = M::AGGREGATE, id, sequence, error = %e,
                "stored event cannot be decoded; skipped"),
        }
        if let Some(row) = state.as_mut() {
            row.set_last_sequence(sequence);
        }
    }
    Ok(state)
}
