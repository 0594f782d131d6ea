//! The global event log (`event_log`): a running hash over every event in commit order,
//! kept by the `events_log` trigger (migrations/20261202000100_history_integrity.sql).
//!
//! ```text
//! running_hash(p) = sha256(running_hash(p - 1) or nothing
//!                          || "leasehold-log-v1\n"
//!                          || field(p) || field(aggregate_type) || field(aggregate_id)
//!                          || field(sequence) || event hash)
//! ```
//!
//! A per-aggregate chain cannot notice a whole aggregate erased with its chain head; the
//! global log can: every event has a position, and every position's running hash covers
//! all events before it. Against a signed [`crate::Checkpoint`] taken earlier, erasing or
//! truncating history (even by someone able to rewrite the log) changes the running hash
//! at the checkpoint's position or ends the log before it.

use sha2::{Digest, Sha256};
use sqlx::PgPool;

use crate::canonical::hex;
use crate::problem::{ProblemKind, VerifyProblem};
use crate::AuditError;

/// Tag of the running-hash format.
pub const LOG_TAG: &str = "leasehold-log-v1";

/// Log rows read per query.
const LOG_CHUNK: i64 = 5000;

/// Where the global log ends: what a checkpoint records (the contract's type).
pub use leasehold_api::LogHead;

/// The running hash after `prev` for one event.
pub fn running_hash(
    prev: Option<&[u8]>,
    position: i64,
    aggregate_type: &str,
    aggregate_id: &str,
    sequence: i64,
    event_hash: &[u8],
) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(prev.unwrap_or_default());
    hasher.update(LOG_TAG.as_bytes());
    hasher.update(b"\n");
    for field in [
        position.to_string().as_str(),
        aggregate_type,
        aggregate_id,
        sequence.to_string().as_str(),
    ] {
        hasher.update(field.len().to_string().as_bytes());
        hasher.update(b":");
        hasher.update(field.as_bytes());
        hasher.update(b"\n");
    }
    hasher.update(event_hash);
    hasher.finalize().into()
}

/// The log head as the trigger last moved it.
pub async fn log_head(pool: &PgPool) -> Result<LogHead, AuditError> {
    let head: Option<(i64, Option<Vec<u8>>)> =
        sqlx::query_as("SELECT position, running_hash FROM event_log_head WHERE id")
            .fetch_optional(pool)
            .await?;
    let (position, hash) = head.unwrap_or((0, None));
    Ok(LogHead {
        position,
        running_hash: hash.as_deref().map(hex).unwrap_or_default(),
    })
}

/// One log position joined with the event it names (`None` columns: the event is gone).
#[derive(sqlx::FromRow)]
struct LogRow {
    position: i64,
    aggregate_type: String,
    aggregate_id: String,
    sequence: i64,
    event_hash: Vec<u8>,
    running_hash: Vec<u8>,
    stored_hash: Option<Vec<u8>>,
    found: bool,
}

/// What a walk of the log found.
pub(crate) struct LogWalk {
    pub problems: Vec<VerifyProblem>,
    /// The recomputed head (from the events' own hashes).
    pub head: LogHead,
    /// The recomputed running hash at the checkpoint's position, when the log reaches it.
    pub at_checkpoint: Option<String>,
}

fn problem(kind: ProblemKind, row: &LogRow, message: String) -> VerifyProblem {
    VerifyProblem::new(
        kind,
        &row.aggregate_type,
        &row.aggregate_id,
        Some(row.sequence),
        message,
    )
}

fn global(kind: ProblemKind, message: String) -> VerifyProblem {
    VerifyProblem::new(kind, "EventLog", "event_log", None, message)
}

/// Most per-event log problems listed (a wholesale deletion is recognised by a few).
const MAX_LOG_PROBLEMS: u64 = 20;

/// Walks the whole log in position order and keeps two running hashes: one over the
/// event hashes the log recorded (it must reproduce every stored running hash, else the
/// log was rewritten), and one over the hashes of the events actually stored, skipping
/// the gone ones (it is the head, and what a checkpoint is compared with). Also compares
/// the stored head, and lists events missing from the log.
pub(crate) async fn walk(
    pool: &PgPool,
    checkpoint_position: Option<i64>,
) -> Result<LogWalk, AuditError> {
    let mut problems = Vec::new();
    let mut logged: Option<[u8; 32]> = None;
    let mut actual: Option<[u8; 32]> = None;
    let mut last = 0i64;
    let mut at_checkpoint = None;
    let mut listed = 0u64;
    let mut hidden = 0u64;
    let mut rewritten = false;
    let mut note = |problems: &mut Vec<VerifyProblem>, p: VerifyProblem| {
        if listed < MAX_LOG_PROBLEMS {
            listed += 1;
            problems.push(p);
        } else {
            hidden += 1;
        }
    };
    loop {
        let rows: Vec<LogRow> = sqlx::query_as(
            "SELECT l.position, l.aggregate_type, l.aggregate_id, l.sequence, l.event_hash,
                    l.running_hash, e.hash AS stored_hash, e.global_position IS NOT NULL AS found
               FROM event_log l
               LEFT JOIN events e ON e.global_position = l.global_position
              WHERE l.position > $1
              ORDER BY l.position
              LIMIT $2",
        )
        .bind(last)
        .bind(LOG_CHUNK)
        .fetch_all(pool)
        .await?;
        let full = i64::try_from(rows.len()).unwrap_or(i64::MAX) == LOG_CHUNK;
        for row in &rows {
            if row.position != last + 1 {
                let message = format!(
                    "global log positions {}..{} are missing: history was erased",
                    last + 1,
                    row.position - 1
                );
                note(&mut problems, problem(ProblemKind::Erased, row, message));
            }
            let stored = match (&row.stored_hash, row.found) {
                (Some(hash), true) => Some(hash.as_slice()),
                _ => None,
            };
            match stored {
                None => {
                    let message = format!(
                        "the event logged at global position {} is gone: it was deleted",
                        row.position
                    );
                    note(&mut problems, problem(ProblemKind::Erased, row, message));
                }
                Some(hash) if hash != row.event_hash.as_slice() => {
                    let message = format!(
                        "the event differs from the hash the global log recorded when it was \
                         appended (position {})",
                        row.position
                    );
                    note(&mut problems, problem(ProblemKind::Edited, row, message));
                }
                Some(_) => {}
            }
            let next = running_hash(
                logged.as_ref().map(|p| p.as_slice()),
                row.position,
                &row.aggregate_type,
                &row.aggregate_id,
                row.sequence,
                &row.event_hash,
            );
            if !rewritten && next.as_slice() != row.running_hash.as_slice() {
                rewritten = true;
                let message = format!(
                    "the running hash stored at global log position {} does not follow from \
                     the entries before it: the log was rewritten",
                    row.position
                );
                note(&mut problems, problem(ProblemKind::Erased, row, message));
            }
            logged = Some(next);
            if let Some(hash) = stored {
                actual = Some(running_hash(
                    actual.as_ref().map(|p| p.as_slice()),
                    row.position,
                    &row.aggregate_type,
                    &row.aggregate_id,
                    row.sequence,
                    hash,
                ));
            }
            last = row.position;
            if Some(row.position) == checkpoint_position {
                at_checkpoint = Some(actual.as_ref().map(|h| hex(h)).unwrap_or_default());
            }
        }
        if !full {
            break;
        }
    }
    if hidden > 0 {
        problems.push(global(
            ProblemKind::Erased,
            format!("{hidden} more global log problems are not listed"),
        ));
    }
    let recomputed = LogHead {
        position: last,
        running_hash: actual.as_ref().map(|p| hex(p)).unwrap_or_default(),
    };
    let stored = log_head(pool).await?;
    if stored.position != last && !appended_since(pool, last).await? {
        problems.push(global(
            ProblemKind::Erased,
            format!(
                "the log head says {} events were appended, the log holds {last}: its tail was \
                 truncated",
                stored.position
            ),
        ));
    }
    problems.extend(unlogged(pool).await?);
    Ok(LogWalk {
        problems,
        head: recomputed,
        at_checkpoint,
    })
}

/// Whether events were logged after position `last` while the log was walked.
async fn appended_since(pool: &PgPool, last: i64) -> Result<bool, AuditError> {
    Ok(
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM event_log WHERE position > $1)")
            .bind(last)
            .fetch_one(pool)
            .await?,
    )
}

/// Events that have no place in the global log: written with the log trigger disabled.
async fn unlogged(pool: &PgPool) -> Result<Vec<VerifyProblem>, AuditError> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT e.aggregate_type, e.aggregate_id, e.sequence FROM events e
          WHERE NOT EXISTS (SELECT 1 FROM event_log l WHERE l.global_position = e.global_position)
          ORDER BY e.global_position LIMIT 20",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(t, id, seq)| {
            VerifyProblem::new(
                ProblemKind::Erased,
                &t,
                &id,
                Some(seq),
                "this event is not in the global log: it was written with the log trigger \
                 disabled",
            )
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_hash_matches_the_sql_trigger() {
        // Computed by `event_log_hash` in psql for two events whose hashes are 32 x 0x01
        // and 32 x 0x02.
        let first = running_hash(None, 1, "Lease", "x", 1, &[1; 32]);
        let second = running_hash(Some(&first), 2, "Lease", "x", 2, &[2; 32]);
        assert_eq!(hex(&first), FIRST);
        assert_eq!(hex(&second), SECOND);
    }

    const FIRST: &str = "295a84bec4f4fc03a0d72d2d0d9038b149d5690c35a5d40c386a1bcf747e62c2";
    const SECOND: &str = "aa802e1d0a5e8b502ccdb2cf27a1146085e9e3c1d49d5400fdf2282d98ade79c";
}
