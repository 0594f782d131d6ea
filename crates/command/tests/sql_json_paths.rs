//! Every JSON path the SQL reads exists, with the kind the SQL expects, in real events.
//!
//! Triggers (`migrations/*.sql`), the audit queries, the quota, the scheduler's seeds and
//! the drills read event payloads and metadata with `->`/`->>` paths that no compiler
//! checks. This test scans those sources for every such path, runs a real lease
//! lifecycle through the command side, and asserts each path against the stored events
//! of the named type.
//!
//! Why it fails on a rename: renaming a field of an event (say `expires_at` of
//! `LeaseRequested`) changes the stored payload, so the path the deadlines trigger reads
//! (`payload -> 'LeaseRequested' ->> 'expires_at'`) finds no value in any stored
//! `LeaseRequested` and the assertion names the path and the file that reads it.
//! Renaming an event type leaves no stored event of the named type, which fails too, as
//! does changing a field's kind (a timestamp stored as a number, a flag as a string).

mod sql_paths;

use serde_json::Value;
use sql_paths::samples::{lifecycle, Stored};
use sql_paths::scan::{paths, sources, workspace, Kind, SqlPath};

fn all_paths() -> Vec<SqlPath> {
    let root = workspace();
    let mut found = Vec::new();
    for file in sources() {
        let text = std::fs::read_to_string(&file).expect("source text");
        let name = file
            .strip_prefix(&root)
            .unwrap_or(&file)
            .display()
            .to_string();
        found.extend(paths(&name, &text));
    }
    found
}

fn lookup<'a>(mut value: &'a Value, keys: &[String]) -> Option<&'a Value> {
    for key in keys {
        value = value.get(key)?;
    }
    Some(value)
}

fn has_kind(value: &Value, kind: &Kind) -> bool {
    match kind {
        Kind::Text => value.is_string(),
        Kind::Timestamp => value
            .as_str()
            .is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok()),
        Kind::Boolean => value.is_boolean(),
        Kind::Integer => value.is_i64() || value.is_u64(),
        Kind::Json => !value.is_null(),
    }
}

/// The value at `path` in each stored event it applies to (`None` where absent or null).
fn values<'a>(path: &SqlPath, events: &'a [Stored]) -> Vec<Option<&'a Value>> {
    events
        .iter()
        .filter_map(|e| match &path.event_type {
            Some(t) if &e.event_type == t => {
                Some(lookup(e.payload.get(t)?, &path.keys).filter(|v| !v.is_null()))
            }
            Some(_) => None,
            None => Some(lookup(&e.metadata, &path.keys).filter(|v| !v.is_null())),
        })
        .collect()
}

#[test]
fn the_scanner_finds_the_paths_it_must_pin() {
    let found = all_paths();
    let has = |file: &str, event_type: Option<&str>, keys: &[&str], kind: Kind| {
        found.iter().any(|p| {
            p.at.starts_with(file)
                && p.event_type.as_deref() == event_type
                && p.keys == keys
                && p.kind == kind
        })
    };
    let deadlines = "migrations/20261127000002_deadlines.sql";
    let attempts = "migrations/20261202000200_revocation_attempts.sql";
    assert!(has(
        deadlines,
        Some("LeaseRequested"),
        &["expires_at"],
        Kind::Timestamp
    ));
    assert!(has(
        attempts,
        Some("RevocationAttemptFailed"),
        &["error", "kind"],
        Kind::Text
    ));
    assert!(has(
        attempts,
        Some("RevocationAttemptFailed"),
        &["retry_in_ms"],
        Kind::Integer
    ));
    assert!(has(
        attempts,
        Some("LeaseRevoked"),
        &["forced"],
        Kind::Boolean
    ));
    assert!(has(
        "crates/store/src/tables/quota.rs",
        None,
        &["actor"],
        Kind::Text
    ));
    assert!(has(
        "crates/audit/src/verify/references.rs",
        Some("LeaseReserved"),
        &["ttl"],
        Kind::Json
    ));
    assert!(found.len() >= 30, "only {} paths found", found.len());
}

#[tokio::test]
async fn every_path_the_sql_reads_is_in_real_events_with_the_expected_kind() {
    let (_world, events) = lifecycle().await;
    let mut problems = Vec::new();
    for path in all_paths() {
        let found = values(&path, &events);
        let what = format!(
            "{} reads {}.{} as {:?}",
            path.at,
            path.event_type.as_deref().unwrap_or("metadata"),
            path.keys.join("."),
            path.kind
        );
        if found.is_empty() {
            problems.push(format!("{what}: no stored event of that type"));
        } else if !found.iter().flatten().any(|v| has_kind(v, &path.kind)) {
            problems.push(format!("{what}: no stored event has it"));
        } else if let Some(bad) = found.iter().flatten().find(|v| !has_kind(v, &path.kind)) {
            problems.push(format!("{what}: a stored event has {bad}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
