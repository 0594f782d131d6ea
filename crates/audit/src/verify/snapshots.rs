//! Snapshots: each must be anchored in its aggregate's chain and (when verify holds the
//! snapshot key) carry a valid MAC; every snapshot the engine refused is listed too.

use leasehold_store::SnapshotKey;
use sqlx::PgPool;

use crate::problem::{ProblemKind, VerifyProblem};
use crate::AuditError;

/// A snapshot row with the chain hash of the event at its sequence.
#[derive(sqlx::FromRow)]
struct Row {
    aggregate_type: String,
    aggregate_id: String,
    last_sequence: i64,
    payload: String,
    chain_hash: Option<Vec<u8>>,
    mac: Option<Vec<u8>>,
    event_hash: Option<Vec<u8>>,
    key_id: Option<String>,
}

/// Snapshots read per query.
const CHUNK: i64 = 1000;

/// Checks every stored snapshot and lists the engine's refusals.
pub(crate) async fn check(
    pool: &PgPool,
    key: Option<&SnapshotKey>,
    limit: usize,
) -> Result<Vec<VerifyProblem>, AuditError> {
    let mut problems = Vec::new();
    let mut after: (String, String, i64) = (String::new(), String::new(), -1);
    loop {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT s.aggregate_type, s.aggregate_id, s.last_sequence, s.payload::text AS payload,
                    s.chain_hash, s.mac, e.hash AS event_hash, s.key_id
               FROM snapshots s
               LEFT JOIN events e
                 ON e.aggregate_type = s.aggregate_type AND e.aggregate_id = s.aggregate_id
                AND e.sequence = s.last_sequence
              WHERE (s.aggregate_type, s.aggregate_id, s.last_sequence) > ($1, $2, $3)
              ORDER BY 1, 2, 3 LIMIT $4",
        )
        .bind(&after.0)
        .bind(&after.1)
        .bind(after.2)
        .bind(CHUNK)
        .fetch_all(pool)
        .await?;
        let full = i64::try_from(rows.len()).unwrap_or(i64::MAX) == CHUNK;
        for row in rows {
            let Row {
                aggregate_type: kind,
                aggregate_id: id,
                last_sequence: sequence,
                payload,
                chain_hash,
                mac,
                event_hash,
                key_id,
            } = row;
            // A snapshot made under an earlier master key cannot be checked with this one.
            let key = key.filter(|k| key_id.as_deref().is_none_or(|id| id == k.id()));
            let reason = match (chain_hash, mac, event_hash) {
                (None, _, _) | (_, None, _) => Some("carries no chain hash or MAC"),
                (_, _, None) => Some("names an event that does not exist"),
                (Some(chain), Some(mac), Some(event)) => {
                    if chain != event {
                        Some("was not taken at the event chain's state at its sequence")
                    } else if key
                        .is_some_and(|k| !k.verify(&kind, &id, sequence, &chain, &payload, &mac))
                    {
                        Some("has a MAC that does not match its content")
                    } else {
                        None
                    }
                }
            };
            if let Some(reason) = reason {
                problems.push(VerifyProblem::new(
                    ProblemKind::ForgedSnapshot,
                    &kind,
                    &id,
                    Some(sequence),
                    format!(
                        "the snapshot at {sequence} {reason}: it was not written by the engine"
                    ),
                ));
            }
            after = (kind, id, sequence);
        }
        if !full || problems.len() >= limit {
            break;
        }
    }
    let refused: Vec<(String, String, i64, String, chrono::DateTime<chrono::Utc>)> =
        sqlx::query_as(
            "SELECT aggregate_type, aggregate_id, last_sequence, reason, seen_at
               FROM snapshot_rejections ORDER BY id LIMIT $1",
        )
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(pool)
        .await?;
    problems.extend(refused.into_iter().map(|(kind, id, sequence, reason, at)| {
        VerifyProblem::new(
            ProblemKind::ForgedSnapshot,
            &kind,
            &id,
            Some(sequence),
            format!(
                "the engine refused the snapshot at {sequence} on {}: {reason}",
                at.to_rfc3339()
            ),
        )
    }));
    Ok(problems)
}
