//! References between aggregates: a secret's reservation and the lease it names must tell
//! the same story. Each aggregate's chain can be intact while a whole lease was erased
//! (with its chain head), or a lease was appended whose terms its secret never granted.

use sqlx::PgPool;

use crate::problem::{ProblemKind, VerifyProblem};
use crate::AuditError;

/// A reservation joined with the lease it names (`None`: the lease has no first event).
type Reservation = (String, String, i64, Option<bool>);

/// Reservations whose lease is gone although the secret recorded its end, or whose
/// lease's terms differ; and leases no reservation granted.
pub(crate) async fn check(pool: &PgPool, limit: usize) -> Result<Vec<VerifyProblem>, AuditError> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    // A reservation without its lease is normal for a crash between the two appends
    // (released later as `orphaned`); released as `ended`, the lease did exist.
    let reservations: Vec<Reservation> = sqlx::query_as(
        "SELECT r.aggregate_id, r.payload -> 'LeaseReserved' ->> 'lease_id', r.sequence,
                CASE WHEN l.aggregate_id IS NULL THEN NULL ELSE
                (l.payload -> 'LeaseRequested' ->> 'secret') = r.aggregate_id
                AND (l.payload -> 'LeaseRequested' -> 'ttl')::jsonb
                    = (r.payload -> 'LeaseReserved' -> 'ttl')::jsonb
                AND (l.payload -> 'LeaseRequested' -> 'issued_at')::jsonb
                    = (r.payload -> 'LeaseReserved' -> 'issued_at')::jsonb
                AND (l.payload -> 'LeaseRequested' -> 'expires_at')::jsonb
                    = (r.payload -> 'LeaseReserved' -> 'expires_at')::jsonb
                AND (l.payload -> 'LeaseRequested' -> 'max_expires_at')::jsonb
                    = (r.payload -> 'LeaseReserved' -> 'max_expires_at')::jsonb
                END
           FROM events r
           LEFT JOIN events l
             ON l.aggregate_type = 'Lease'
            AND l.aggregate_id = r.payload -> 'LeaseReserved' ->> 'lease_id'
            AND l.sequence = 1
          WHERE r.aggregate_type = 'DynamicSecret' AND r.event_type = 'LeaseReserved'
            AND (l.aggregate_id IS NOT NULL OR EXISTS (
                 SELECT 1 FROM events x
                  WHERE x.aggregate_type = 'DynamicSecret' AND x.aggregate_id = r.aggregate_id
                    AND x.event_type = 'LeaseReleased'
                    AND x.payload -> 'LeaseReleased' ->> 'lease_id'
                        = r.payload -> 'LeaseReserved' ->> 'lease_id'
                    AND x.payload -> 'LeaseReleased' ->> 'reason' = 'ended'))
          ORDER BY r.global_position",
    )
    .fetch_all(pool)
    .await?;
    let mut problems: Vec<VerifyProblem> = reservations
        .into_iter()
        .filter_map(|(secret, lease, sequence, same_terms)| match same_terms {
            Some(true) => None,
            Some(false) => Some(VerifyProblem::new(
                ProblemKind::BrokenReference,
                "DynamicSecret",
                &secret,
                Some(sequence),
                format!("lease {lease} was requested on terms its reservation did not grant"),
            )),
            None => Some(VerifyProblem::new(
                ProblemKind::BrokenReference,
                "DynamicSecret",
                &secret,
                Some(sequence),
                format!(
                    "the secret reserved lease {lease} and recorded its end, but the lease has \
                     no events: its history was erased"
                ),
            )),
        })
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .collect();
    let unreserved: Vec<(String, String)> = sqlx::query_as(
        "SELECT l.aggregate_id, l.payload -> 'LeaseRequested' ->> 'secret'
           FROM events l
          WHERE l.aggregate_type = 'Lease' AND l.event_type = 'LeaseRequested'
            AND NOT EXISTS (
                SELECT 1 FROM events r
                 WHERE r.aggregate_type = 'DynamicSecret'
                   AND r.aggregate_id = l.payload -> 'LeaseRequested' ->> 'secret'
                   AND r.event_type = 'LeaseReserved'
                   AND r.payload -> 'LeaseReserved' ->> 'lease_id' = l.aggregate_id)
          ORDER BY l.global_position LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await?;
    problems.extend(unreserved.into_iter().map(|(lease, secret)| {
        VerifyProblem::new(
            ProblemKind::BrokenReference,
            "Lease",
            &lease,
            Some(1),
            format!("secret {secret} never reserved this lease"),
        )
    }));
    Ok(problems)
}
