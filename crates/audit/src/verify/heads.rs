//! Comparing the end of every chain with its anchor in `chain_heads`.
//!
//! A deleted tail leaves a perfectly linked chain behind; only the head, moved by the
//! same trigger that hashed the event, still remembers the last sequence and hash.

use std::collections::HashMap;

use sqlx::PgPool;

use crate::canonical::hex;
use crate::problem::{ProblemKind, VerifyProblem};
use crate::AuditError;

/// The end of one aggregate's chain as read from `events`.
pub(crate) struct Tail {
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub last_sequence: i64,
    pub last_hash: Option<Vec<u8>>,
}

type HeadRow = (String, String, i64, Vec<u8>);

/// Checks `tails` against their heads, in one query (plus one per head that is ahead,
/// to tell a deleted tail from an event appended since the events were read).
pub(crate) async fn check(pool: &PgPool, tails: &[Tail]) -> Result<Vec<VerifyProblem>, AuditError> {
    if tails.is_empty() {
        return Ok(Vec::new());
    }
    let types: Vec<&str> = tails.iter().map(|t| t.aggregate_type.as_str()).collect();
    let ids: Vec<&str> = tails.iter().map(|t| t.aggregate_id.as_str()).collect();
    let heads: Vec<HeadRow> = sqlx::query_as(
        "SELECT h.aggregate_type, h.aggregate_id, h.last_sequence, h.hash
           FROM chain_heads h
           JOIN unnest($1::text[], $2::text[]) AS k(t, i)
             ON h.aggregate_type = k.t AND h.aggregate_id = k.i",
    )
    .bind(&types)
    .bind(&ids)
    .fetch_all(pool)
    .await?;
    let heads: HashMap<(&str, &str), &HeadRow> = heads
        .iter()
        .map(|h| ((h.0.as_str(), h.1.as_str()), h))
        .collect();
    let mut problems = Vec::new();
    for tail in tails {
        let key = (tail.aggregate_type.as_str(), tail.aggregate_id.as_str());
        let head = heads.get(&key).copied();
        let problem = |sequence, message: String| {
            VerifyProblem::new(
                ProblemKind::HeadMismatch,
                &tail.aggregate_type,
                &tail.aggregate_id,
                Some(sequence),
                message,
            )
        };
        let last = tail.last_sequence;
        match head {
            None => problems.push(problem(
                last,
                "no chain head is recorded for this aggregate: the anchor was deleted".into(),
            )),
            Some((_, _, head_seq, _)) if *head_seq > last => {
                if !appended_since(pool, tail).await? {
                    problems.push(problem(
                        last + 1,
                        format!(
                            "the chain head says event {head_seq} was appended but the log ends \
                             at {last}: its last events were deleted"
                        ),
                    ));
                }
            }
            Some((_, _, head_seq, _)) if *head_seq < last => problems.push(problem(
                head_seq + 1,
                format!(
                    "events after {head_seq} are not anchored by the chain head: they were \
                     written with the chain trigger disabled"
                ),
            )),
            Some((_, _, _, hash)) if Some(hash) != tail.last_hash.as_ref() => {
                problems.push(problem(
                    last,
                    format!(
                        "event {last} differs from the anchored chain head ({}…): the last \
                         event was rewritten",
                        &hex(hash)[..12]
                    ),
                ))
            }
            Some(_) => {}
        }
    }
    Ok(problems)
}

/// Whether events were appended to the aggregate after its tail was read.
async fn appended_since(pool: &PgPool, tail: &Tail) -> Result<bool, AuditError> {
    let found: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM events
                         WHERE aggregate_type = $1 AND aggregate_id = $2 AND sequence > $3)",
    )
    .bind(&tail.aggregate_type)
    .bind(&tail.aggregate_id)
    .bind(tail.last_sequence)
    .fetch_one(pool)
    .await?;
    Ok(found)
}

/// Heads whose aggregate has no event left at all: every event of it was deleted.
pub(crate) async fn orphans(pool: &PgPool, limit: usize) -> Result<Vec<VerifyProblem>, AuditError> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT h.aggregate_type, h.aggregate_id, h.last_sequence
           FROM chain_heads h
          WHERE NOT EXISTS (SELECT 1 FROM events e
                             WHERE e.aggregate_type = h.aggregate_type
                               AND e.aggregate_id = h.aggregate_id)
          ORDER BY 1, 2 LIMIT $1",
    )
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(aggregate_type, aggregate_id, last)| {
            VerifyProblem::new(
                ProblemKind::HeadMismatch,
                &aggregate_type,
                &aggregate_id,
                Some(1),
                format!("the chain head says {last} events were appended, none is left"),
            )
        })
        .collect())
}
