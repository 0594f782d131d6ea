//! The database side of the drift check: load the stored rows of a batch of folded
//! aggregates (one query per table) and name the ones that differ.

use std::collections::HashMap;

use leasehold_audit::{ProblemKind, VerifyProblem, MAX_PROBLEMS};
use serde_json::Value;
use sqlx::{PgConnection, PgPool};

use super::compare::differing_fields;
use super::{Folding, Model};
use crate::fold::ReadModel;
use crate::rows::{ActivityRow, ConnectionRow, LeaseRow, SecretRow};
use crate::sql;

/// Rows expected for a batch of aggregates, by read model: `(aggregate id, folded row)`.
type Expected<M> = Vec<(String, Option<M>)>;

/// Compares every folded aggregate of `done` with its stored rows.
pub(super) async fn rows(
    pool: &PgPool,
    done: Vec<Folding>,
) -> Result<Vec<VerifyProblem>, sqlx::Error> {
    let mut connections: Expected<ConnectionRow> = Vec::new();
    let mut secrets: Expected<SecretRow> = Vec::new();
    let mut leases: Expected<LeaseRow> = Vec::new();
    for Folding { id, model } in done {
        match model {
            Model::Connection(row) => connections.push((id, row)),
            Model::Secret(row) => secrets.push((id, row)),
            Model::Lease(row) => leases.push((id, row)),
            Model::Other => {}
        }
    }
    let mut conn = pool.acquire().await?;
    let mut problems = model(&mut conn, &connections).await?;
    problems.extend(model(&mut conn, &secrets).await?);
    let lease_problems = model(&mut conn, &leases).await?;
    // The activity intervals derive from the lease row: check them where the row is right.
    leases.retain(|(id, _)| !lease_problems.iter().any(|p| &p.aggregate_id == id));
    problems.extend(lease_problems);
    problems.extend(activity(&mut conn, &leases).await?);
    Ok(problems)
}

/// Compares the rows of one read model.
async fn model<M: ReadModel>(
    conn: &mut PgConnection,
    expected: &Expected<M>,
) -> Result<Vec<VerifyProblem>, sqlx::Error> {
    if expected.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = expected.iter().map(|(id, _)| id.clone()).collect();
    let stored: HashMap<String, M> = sql::load_rows(conn, &ids).await?;
    let table = M::TABLE;
    let mut problems = Vec::new();
    for (id, want) in expected {
        let message = match (stored.get(id), want) {
            (None, None) => continue,
            (None, Some(_)) => {
                format!("no {table} row: its events are not projected yet, or the row was deleted")
            }
            (Some(_), None) => format!("a {table} row exists but its events never create one"),
            (Some(have), Some(want)) => {
                let fields = differing_fields(have, want);
                if fields.is_empty() {
                    continue;
                }
                format!(
                    "the {table} row differs from the fold of its events in: {}",
                    fields.join(", ")
                )
            }
        };
        problems.push(drift(M::AGGREGATE, id, message));
    }
    Ok(problems)
}

/// Compares the `lease_activity` intervals of leases with what their rows imply: one
/// interval from `activated_at` to `revoked_at` once activated, none before.
async fn activity(
    conn: &mut PgConnection,
    leases: &Expected<LeaseRow>,
) -> Result<Vec<VerifyProblem>, sqlx::Error> {
    if leases.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = leases.iter().map(|(id, _)| id.clone()).collect();
    let rows: Vec<Value> =
        sqlx::query_scalar("SELECT to_jsonb(t) FROM lease_activity t WHERE lease_id = ANY($1)")
            .bind(&ids)
            .fetch_all(&mut *conn)
            .await?;
    let mut stored: HashMap<String, Vec<ActivityRow>> = HashMap::new();
    for json in rows {
        let row: ActivityRow =
            serde_json::from_value(json).map_err(|e| sqlx::Error::Decode(e.into()))?;
        stored.entry(row.lease_id.clone()).or_default().push(row);
    }
    let mut problems = Vec::new();
    for (id, lease) in leases {
        let want: Vec<ActivityRow> = lease.iter().filter_map(interval).collect();
        let have = stored.remove(id).unwrap_or_default();
        let message = if have.len() != want.len() {
            format!(
                "lease_activity has {} interval(s) for this lease, its events imply {}",
                have.len(),
                want.len()
            )
        } else {
            let fields: Vec<String> = have
                .iter()
                .zip(&want)
                .flat_map(|(h, w)| differing_fields(h, w))
                .collect();
            if fields.is_empty() {
                continue;
            }
            format!(
                "the lease_activity interval differs from the fold of its events in: {}",
                fields.join(", ")
            )
        };
        problems.push(drift(LeaseRow::AGGREGATE, id, message));
    }
    Ok(problems)
}

/// The activity interval a lease row implies (as `sql::refresh_activity` derives it).
fn interval(lease: &LeaseRow) -> Option<ActivityRow> {
    Some(ActivityRow {
        lease_id: lease.lease_id.clone(),
        secret: lease.secret.clone(),
        user_principal_name: lease.user_principal_name.clone(),
        valid_from: lease.activated_at?,
        valid_to: lease.revoked_at,
        forced: lease.forced,
        requested_by: lease.requested_by.clone(),
        request_id: lease.request_id.clone(),
    })
}

/// Read-model rows with no event behind them at all (a fold cannot produce them).
pub(super) async fn orphans(pool: &PgPool) -> Result<Vec<VerifyProblem>, sqlx::Error> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT DISTINCT * FROM (
           SELECT 'Connection' AS t, 'connections' AS tbl, name AS id FROM connections
            WHERE NOT EXISTS (SELECT 1 FROM events e
                               WHERE e.aggregate_type = 'Connection' AND e.aggregate_id = name)
           UNION ALL
           SELECT 'DynamicSecret', 'dynamic_secrets', name FROM dynamic_secrets
            WHERE NOT EXISTS (SELECT 1 FROM events e
                               WHERE e.aggregate_type = 'DynamicSecret' AND e.aggregate_id = name)
           UNION ALL
           SELECT 'Lease', 'leases', lease_id FROM leases
            WHERE NOT EXISTS (SELECT 1 FROM events e
                               WHERE e.aggregate_type = 'Lease' AND e.aggregate_id = lease_id)
           UNION ALL
           SELECT 'Lease', 'lease_activity', lease_id FROM lease_activity
            WHERE NOT EXISTS (SELECT 1 FROM events e
                               WHERE e.aggregate_type = 'Lease' AND e.aggregate_id = lease_id)
         ) orphans ORDER BY 1, 3, 2 LIMIT $1",
    )
    .bind(i64::try_from(MAX_PROBLEMS).unwrap_or(i64::MAX))
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(aggregate_type, table, id)| {
            drift(
                &aggregate_type,
                &id,
                format!("a {table} row exists with no events behind it"),
            )
        })
        .collect())
}

fn drift(aggregate_type: &str, id: &str, message: String) -> VerifyProblem {
    VerifyProblem::new(
        ProblemKind::ReadModelDrift,
        aggregate_type,
        id,
        None,
        message,
    )
}
