//! Check 4: the read models the projector kept through the chaos equal a fresh rebuild
//! from the event store (`leasehold_projection::rebuild`), row for row.

use std::collections::BTreeMap;

use serde_json::Value;
use sqlx::PgPool;

use crate::checks::Outcome;

/// Read-model tables and the columns that key their rows.
const TABLES: [(&str, &[&str]); 4] = [
    ("connections", &["name"]),
    ("dynamic_secrets", &["name"]),
    ("leases", &["lease_id"]),
    ("lease_activity", &["lease_id", "valid_from"]),
];

type Dump = BTreeMap<&'static str, BTreeMap<String, Value>>;

async fn dump(pool: &PgPool) -> anyhow::Result<Dump> {
    let mut out = Dump::new();
    for (table, key) in TABLES {
        let rows: Vec<(Value,)> =
            sqlx::query_as(&format!("SELECT row_to_json(t)::jsonb FROM {table} t"))
                .fetch_all(pool)
                .await?;
        let rows = rows
            .into_iter()
            .map(|(row,)| {
                let k: Vec<String> = key.iter().map(|c| row[*c].to_string()).collect();
                (k.join("/"), row)
            })
            .collect();
        out.insert(table, rows);
    }
    Ok(out)
}

/// Dumps the read models, rebuilds them, dumps again and compares. Run it with the
/// projector stopped (or quiet) and caught up: `lag` is (sum of last_sequence, events).
pub async fn equal_rebuild(pool: &PgPool, lag: (i64, i64)) -> Outcome {
    let name = "read models = rebuild";
    let mut problems = Vec::new();
    if lag.0 != lag.1 {
        problems.push(format!(
            "projection not caught up: read models folded {} of {} events",
            lag.0, lag.1
        ));
    }
    let result = async {
        let before = dump(pool).await?;
        let events = leasehold_projection::rebuild(pool).await?;
        let after = dump(pool).await?;
        anyhow::Ok((before, events, after))
    }
    .await;
    let (before, events, after) = match result {
        Ok(r) => r,
        Err(e) => {
            problems.push(format!("dump or rebuild failed: {e:#}"));
            return Outcome {
                name,
                summary: String::new(),
                problems,
            };
        }
    };
    let mut rows = 0;
    for (table, kept) in &before {
        let rebuilt = &after[table];
        rows += kept.len();
        for (key, row) in kept {
            match rebuilt.get(key) {
                None => problems.push(format!("{table} {key}: not in the rebuild")),
                Some(r) if r != row => problems.push(format!(
                    "{table} {key}: differs in {}",
                    differing(row, r).join(", ")
                )),
                Some(_) => {}
            }
        }
        for key in rebuilt.keys().filter(|k| !kept.contains_key(*k)) {
            problems.push(format!("{table} {key}: only in the rebuild"));
        }
    }
    Outcome {
        name,
        summary: format!("{rows} rows in 4 tables vs a rebuild from {events} events"),
        problems,
    }
}

fn differing(a: &Value, b: &Value) -> Vec<String> {
    match (a.as_object(), b.as_object()) {
        (Some(a), Some(b)) => a
            .iter()
            .filter(|(k, v)| b.get(*k) != Some(v))
            .map(|(k, _)| k.clone())
            .collect(),
        _ => vec!["*".into()],
    }
}
