//! The JSON shapes of read-model rows in replies (documented in `docs/queries.md`):
//! the row's columns, times in RFC 3339, plus TTLs in human form.

use serde::Serialize;
use serde_json::Value;

use crate::rows::{ConnectionRow, LeaseRow, SecretRow};
use crate::ttl::human;

#[derive(Serialize)]
struct SecretView<'a> {
    #[serde(flatten)]
    row: &'a SecretRow,
    default_ttl: String,
    max_ttl: String,
}

#[derive(Serialize)]
struct LeaseView<'a> {
    #[serde(flatten)]
    row: &'a LeaseRow,
    ttl: String,
}

/// A connection as replied.
pub(crate) fn connection(row: &ConnectionRow) -> Value {
    to_value(row)
}

/// A dynamic secret as replied: adds `default_ttl` and `max_ttl` in human form.
pub(crate) fn secret(row: &SecretRow) -> Value {
    to_value(&SecretView {
        row,
        default_ttl: human(row.default_ttl_secs),
        max_ttl: human(row.max_ttl_secs),
    })
}

/// A lease as replied: adds `ttl` in human form.
pub(crate) fn lease(row: &LeaseRow) -> Value {
    to_value(&LeaseView {
        row,
        ttl: human(row.ttl_secs),
    })
}

fn to_value(view: &impl Serialize) -> Value {
    // Rows are plain strings, numbers, booleans and chrono times: serializing cannot fail.
    serde_json::to_value(view).unwrap_or(Value::Null)
}
