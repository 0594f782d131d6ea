//! `verify`: recompute every aggregate's hash chain and compare it with the stored hashes
//! and the anchored chain heads; optionally let an [`Inspector`] (the projection's
//! read-model check) see the same events in the same pass. Then walk the global log
//! (erasure, truncation, and a checkpoint if given), check every snapshot and the
//! references between secrets and leases.
//!
//! Streaming: events are read in chunks of [`VERIFY_CHUNK`] ordered by
//! `(aggregate_type, aggregate_id, sequence)` (the primary key), so a store of millions of
//! events is checked in bounded memory. Verify reads while the system runs, but answers
//! are exact only on a quiet system: see docs/audit.md.

mod chain;
mod heads;
mod references;
mod report;
mod snapshots;

use async_trait::async_trait;
use leasehold_store::SnapshotKey;
use sqlx::PgPool;

use crate::log::LogHead;
pub use crate::problem::{ProblemKind, VerifyProblem, MAX_PROBLEMS};
use crate::stored::{StoredEvent, COLUMNS};
use crate::AuditError;
use chain::Chain;
use heads::Tail;
use report::Collect;
pub use report::VerifyReport;

/// Events read per query.
pub const VERIFY_CHUNK: i64 = 5000;

/// Sees every event during a verify pass and reports problems of its own, such as read
/// models that differ from their events. Implemented by the projection crate, which owns
/// the folds (this crate cannot depend on it).
#[async_trait]
pub trait Inspector: Send {
    /// Sees one event; events come in `(aggregate_type, aggregate_id, sequence)` order,
    /// so when an event of another aggregate arrives the previous aggregate is complete.
    fn event(&mut self, event: &StoredEvent);

    /// Called after each chunk: check the aggregates completed so far and forget them.
    async fn checkpoint(&mut self, pool: &PgPool) -> Result<Vec<VerifyProblem>, AuditError>;

    /// Called once after the last event: check the last aggregate and anything that has
    /// no events at all.
    async fn finish(&mut self, pool: &PgPool) -> Result<Vec<VerifyProblem>, AuditError>;
}

/// An inspector that checks nothing: chains only.
pub struct ChainsOnly;

#[async_trait]
impl Inspector for ChainsOnly {
    fn event(&mut self, _event: &StoredEvent) {}

    async fn checkpoint(&mut self, _pool: &PgPool) -> Result<Vec<VerifyProblem>, AuditError> {
        Ok(Vec::new())
    }

    async fn finish(&mut self, _pool: &PgPool) -> Result<Vec<VerifyProblem>, AuditError> {
        Ok(Vec::new())
    }
}

/// Verifies every hash chain and chain head (no read-model check; the projection crate's
/// `verify_store` adds that).
pub async fn verify(pool: &PgPool) -> Result<VerifyReport, AuditError> {
    verify_with(pool, &mut ChainsOnly).await
}

/// What a verify pass checks beyond the chains.
#[derive(Clone, Copy, Debug, Default)]
pub struct VerifyOptions<'a> {
    /// The engine's snapshot key: with it, every snapshot's MAC is checked too.
    pub snapshot_key: Option<&'a SnapshotKey>,
    /// A checkpoint's head (its signature already checked): the history up to its
    /// position must still hash to it.
    pub against: Option<&'a LogHead>,
}

/// Verifies every hash chain and chain head, and lets `inspector` check the same events.
pub async fn verify_with(
    pool: &PgPool,
    inspector: &mut impl Inspector,
) -> Result<VerifyReport, AuditError> {
    verify_full(pool, inspector, VerifyOptions::default()).await
}

/// Verifies everything: chains and heads (with `inspector`), the global log (against a
/// checkpoint if given), snapshots and cross-aggregate references.
pub async fn verify_full(
    pool: &PgPool,
    inspector: &mut impl Inspector,
    options: VerifyOptions<'_>,
) -> Result<VerifyReport, AuditError> {
    let mut report = VerifyReport::default();
    let mut current: Option<Chain> = None;
    let mut cursor: Option<(String, String, i64)> = None;
    loop {
        let chunk = read_chunk(pool, cursor.as_ref()).await?;
        let Some(last) = chunk.last() else { break };
        cursor = Some((
            last.aggregate_type.clone(),
            last.aggregate_id.clone(),
            last.sequence,
        ));
        let mut tails = Vec::new();
        for event in &chunk {
            report.events += 1;
            inspector.event(event);
            if !current.as_ref().is_some_and(|c| c.owns(event)) {
                tails.extend(current.take().and_then(tail));
                current = Some(Chain::start(event));
                report.aggregates += 1;
            }
            if let Some(chain) = current.as_mut() {
                report.add(chain.push(event));
            }
        }
        report.add(heads::check(pool, &tails).await?);
        report.add(inspector.checkpoint(pool).await?);
        if i64::try_from(chunk.len()).unwrap_or(i64::MAX) < VERIFY_CHUNK {
            break;
        }
    }
    let last: Vec<Tail> = current.and_then(tail).into_iter().collect();
    report.add(heads::check(pool, &last).await?);
    report.add(heads::orphans(pool, MAX_PROBLEMS).await?);
    report.add(inspector.finish(pool).await?);
    let walk = crate::log::walk(pool, options.against.map(|c| c.position)).await?;
    report.add(walk.problems);
    if let Some(checkpoint) = options.against {
        report.add(compare(
            checkpoint,
            &walk.head,
            walk.at_checkpoint.as_deref(),
        ));
        report.against = Some(checkpoint.clone());
    }
    report.log = Some(walk.head);
    report.add(snapshots::check(pool, options.snapshot_key, MAX_PROBLEMS).await?);
    report.add(references::check(pool, MAX_PROBLEMS).await?);
    report.ok = report.problems.is_empty() && !report.truncated;
    Ok(report)
}

/// The history up to a checkpoint must reach its position and hash to its running hash.
fn compare(checkpoint: &LogHead, head: &LogHead, at: Option<&str>) -> Option<VerifyProblem> {
    let problem = |message: String| {
        VerifyProblem::new(
            ProblemKind::CheckpointMismatch,
            "EventLog",
            "event_log",
            None,
            message,
        )
    };
    if checkpoint.position == 0 {
        return None;
    }
    if head.position < checkpoint.position {
        return Some(problem(format!(
            "the history ends at global position {} but the checkpoint recorded {}: events \
             were truncated or erased since the checkpoint",
            head.position, checkpoint.position
        )));
    }
    (at != Some(checkpoint.running_hash.as_str())).then(|| {
        problem(format!(
            "the running hash at global position {} differs from the checkpoint's: events up \
             to it were erased, rewritten or re-ordered since the checkpoint",
            checkpoint.position
        ))
    })
}

/// The end of a completed chain, to compare with its head; none for a broken chain (its
/// first bad event is already named).
fn tail(chain: Chain) -> Option<Tail> {
    (!chain.broken).then_some(Tail {
        aggregate_type: chain.key.0,
        aggregate_id: chain.key.1,
        last_sequence: chain.last_sequence,
        last_hash: chain.last_hash,
    })
}

/// The next chunk of events after `cursor` in primary-key order.
async fn read_chunk(
    pool: &PgPool,
    cursor: Option<&(String, String, i64)>,
) -> Result<Vec<StoredEvent>, AuditError> {
    let events = match cursor {
        None => {
            sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM events
                  ORDER BY aggregate_type, aggregate_id, sequence LIMIT $1"
            ))
            .bind(VERIFY_CHUNK)
            .fetch_all(pool)
            .await?
        }
        Some((aggregate_type, aggregate_id, sequence)) => {
            sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM events
                  WHERE (aggregate_type, aggregate_id, sequence) > ($1, $2, $3)
                  ORDER BY aggregate_type, aggregate_id, sequence LIMIT $4"
            ))
            .bind(aggregate_type)
            .bind(aggregate_id)
            .bind(sequence)
            .bind(VERIFY_CHUNK)
            .fetch_all(pool)
            .await?
        }
    };
    Ok(events)
}
