//! The JSON shapes of read-model rows in replies (documented in `docs/queries.md`):
//! `leasehold-api`'s record views, the row's columns plus TTLs in seconds.

use leasehold_api::{LeaseRecordView, SecretRecordView};
use serde::Serialize;
use serde_json::Value;

use crate::rows::{ConnectionRow, LeaseRow, SecretRow};

/// A connection as replied.
pub(crate) fn connection(row: &ConnectionRow) -> Value {
    to_value(row)
}

/// A dynamic secret as replied: adds `default_ttl` and `max_ttl` in seconds.
pub(crate) fn secret(row: &SecretRow) -> Value {
    to_value(&SecretRecordView::from(row.clone()))
}

/// A lease as replied: adds `ttl` in seconds.
pub(crate) fn lease(row: &LeaseRow) -> Value {
    to_value(&LeaseRecordView::from(row.clone()))
}

fn to_value(view: &impl Serialize) -> Value {
    // Rows are plain strings, numbers, booleans and chrono times: serializing cannot fail.
    serde_json::to_value(view).unwrap_or(Value::Null)
}
